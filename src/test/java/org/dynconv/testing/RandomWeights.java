package org.dynconv.testing;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.dynconv.graph.VariableRef;
import org.dynconv.reference.RefNn;

/**
 * Assigns seeded random values to a layer's variables and keeps them by name relative to the
 * layer's scope ({@code kernel}, {@code q/kernel}, {@code attention/fc/kernel}, ...), for the float64
 * references. BatchNorm statistics and scales are drawn in sensible ranges (variance and gamma
 * positive) so that both training and inference modes are exercised with non-trivial values.
 */
public final class RandomWeights {
  private final Map<String, double[]> values = new LinkedHashMap<>();

  private RandomWeights() {}

  /**
   * @param scale standard deviation of kernels and dense weights
   */
  public static RandomWeights assign(TfRun run, String layerScope, List<VariableRef> vars,
      long seed, double scale) {
    RandomWeights w = new RandomWeights();
    Map<VariableRef, float[]> assigned = new LinkedHashMap<>();
    for (VariableRef v : vars) {
      String local = v.name().substring(layerScope.length() + 1);
      long s = seed * 31 + local.hashCode();
      int n = (int) v.size();
      float[] f;
      if (local.endsWith("moving_variance")) {
        f = Rand.uniform(s, n, 0.5, 2.0);
      } else if (local.endsWith("gamma")) {
        f = Rand.uniform(s, n, 0.5, 1.5);
      } else if (local.endsWith("beta") || local.endsWith("moving_mean") || local.endsWith("bias")) {
        f = scaled(Rand.normal(s, n), 0.3);
      } else {
        f = scaled(Rand.normal(s, n), scale);
      }
      assigned.put(v, f);
      w.values.put(local, AllClose.toDouble(f));
    }
    run.assignAll(assigned);
    return w;
  }

  /** Sets one variable (relative name) to {@code values} in the graph and here. */
  public void set(TfRun run, String layerScope, List<VariableRef> vars, String local,
      float[] newValues) {
    VariableRef v = vars.stream().filter(x -> x.name().equals(layerScope + "/" + local)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no variable " + local));
    run.assign(v, newValues);
    values.put(local, AllClose.toDouble(newValues));
  }

  /** The values of {@code local}, or null when the layer has no such variable. */
  public double[] get(String local) {
    return values.get(local);
  }

  /** A BatchNorm's four variables under {@code scope} (relative), with epsilon. */
  public RefNn.Bn bn(String scope, double eps) {
    return new RefNn.Bn(get(scope + "/gamma"), get(scope + "/beta"), get(scope + "/moving_mean"),
        get(scope + "/moving_variance"), eps);
  }

  public Map<String, double[]> all() {
    return values;
  }

  private static float[] scaled(float[] a, double s) {
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) (a[i] * s);
    }
    return a;
  }
}
