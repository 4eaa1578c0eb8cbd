package org.dynconv.testing;

import org.dynconv.config.Activation;
import org.dynconv.config.ConvGeometry;
import org.dynconv.layers.CondConv2dConfig;
import org.dynconv.layers.DcdConv2dConfig;
import org.dynconv.layers.DynamicConv2dConfig;
import org.dynconv.layers.Layer;
import org.dynconv.layers.Layers;
import org.dynconv.layers.OdConv2dConfig;
import org.dynconv.layers.Sequential;
import org.dynconv.models.CustomModel;
import org.dynconv.nn.BatchNormConfig;
import org.dynconv.nn.Conv2dConfig;
import org.dynconv.nn.DenseConfig;

/**
 * Models the way a user writes one, only from dynconv's public layer API: layers composed with
 * {@link Sequential}, each reporting its own variables, updates, routing and multiply-adds.
 */
public final class OwnModel {
  private OwnModel() {}

  /**
   * A static stem with BatchNorm, a CondConv2d layer with its own sigmoid routing, a DynamicConv2d
   * layer reading the shared temperature, pooling and a dense head.
   */
  public static CustomModel spec(String name, int size, int channels, int classes) {
    Layer body = Sequential.of(
        Layers.conv2d("stem", Conv2dConfig.of(8, ConvGeometry.of(3).withStride(2)).withBias(false)),
        Layers.batchNorm("stem_bn", new BatchNormConfig(0.9, 1e-3)),
        Layers.activation(Activation.RELU),
        condDynamicHead(classes));
    return CustomModel.builder(name).input(size, size, channels).classes(classes)
        .annealsTemperature(true).body(body).build();
  }

  /** The successors in a model of one's own: a DcdConv2d block, then an ODConv (n = 4) block. */
  public static CustomModel successors(String name, int size, int channels, int classes) {
    Layer body = Sequential.of(
        Layers.conv2d("stem", Conv2dConfig.of(8, ConvGeometry.of(3).withStride(2))
            .withActivation(Activation.RELU)),
        Layers.dcdConv2d("dcd", DcdConv2dConfig.resnetBasic(16, ConvGeometry.of(3).withStride(2), 8)),
        Layers.activation(Activation.RELU),
        Layers.odConv2d("od", OdConv2dConfig.of(16, ConvGeometry.of(3), 4)),
        Layers.activation(Activation.RELU),
        Layers.globalAvgPool(),
        Layers.dense("head", DenseConfig.of(classes)));
    return CustomModel.builder(name).input(size, size, channels).classes(classes)
        .annealsTemperature(true).body(body).build();
  }

  /**
   * A CondConv and a DynamicConv block between a static stem and a dense head, without BatchNorm:
   * its gradient on a batch is the mean of its gradients on equal slices of the batch, which is
   * what data-parallel training relies on.
   */
  public static CustomModel withoutBatchNorm(String name, int size, int channels, int classes) {
    Layer body = Sequential.of(
        Layers.conv2d("stem", Conv2dConfig.of(8, ConvGeometry.of(3).withStride(2))
            .withActivation(Activation.RELU)),
        condDynamicHead(classes));
    return CustomModel.builder(name).input(size, size, channels).classes(classes)
        .annealsTemperature(true).body(body).build();
  }

  /** As {@link #withoutBatchNorm}, with dropout (rate 0.5) before the head. */
  public static CustomModel withDropout(String name, int size, int channels, int classes) {
    Layer body = Sequential.of(
        Layers.conv2d("stem", Conv2dConfig.of(8, ConvGeometry.of(3).withStride(2))
            .withActivation(Activation.RELU)),
        Layers.condConv2d("cond", CondConv2dConfig.of(16, ConvGeometry.of(3).withStride(2), 4)
            .withActivation(Activation.RELU)),
        Layers.globalAvgPool(),
        Layers.dropout(0.5),
        Layers.dense("head", DenseConfig.of(classes)));
    return CustomModel.builder(name).input(size, size, channels).classes(classes).body(body)
        .build();
  }

  /**
   * A CondConv2d layer with its sigmoid routing (16 channels, stride 2, 4 experts), a
   * DynamicConv2d layer (4 kernels), pooling and a dense head.
   */
  private static Layer condDynamicHead(int classes) {
    return Sequential.of(
        Layers.condConv2d("cond", CondConv2dConfig.of(16, ConvGeometry.of(3).withStride(2), 4)
            .withActivation(Activation.RELU)),
        Layers.dynamicConv2d("dyn", DynamicConv2dConfig.of(16, ConvGeometry.of(3), 4)
            .withActivation(Activation.RELU)),
        Layers.globalAvgPool(),
        Layers.dense("head", DenseConfig.of(classes)));
  }
}
