package org.dynconv.blocks;

/**
 * Counts multiply-adds per image while a model is built: convolutions, dense layers, routing
 * (pooling plus its dense layers) and kernel mixing. Elementwise ops, BatchNorm (foldable into the
 * convolutions) and pooling outside routing are not counted.
 */
public final class Footprint {
  private long macs;

  public void add(long multiplyAdds) {
    macs += multiplyAdds;
  }

  public long macs() {
    return macs;
  }
}
