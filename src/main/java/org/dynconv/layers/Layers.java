package org.dynconv.layers;

import org.dynconv.config.Activation;
import org.dynconv.config.Check;
import org.dynconv.conv.ConvKind;
import org.dynconv.nn.Activations;
import org.dynconv.nn.BatchNorm;
import org.dynconv.nn.BatchNormConfig;
import org.dynconv.nn.Conv2d;
import org.dynconv.nn.Conv2dConfig;
import org.dynconv.nn.DenseConfig;
import org.dynconv.nn.Dropout;
import org.dynconv.nn.GlobalAvgPool;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.random.RandomUniform;
import org.tensorflow.types.TFloat32;

/**
 * Every layer of dynconv in one call shape, {@link Layer#call(BuildContext, Operand)}: static and
 * conditional, regular and depthwise (chosen by the config type). Input channels come from the
 * input's static shape; names default to Keras' ({@code conv2d}, {@code conv2d_1}, ...) and can be
 * given as the first argument.
 *
 * <pre>{@code
 * Layer net = Sequential.of(
 *     Layers.conv2d(Conv2dConfig.of(16, ConvGeometry.of(3)).withBias(false)),
 *     Layers.batchNorm(), Layers.activation(Activation.RELU),
 *     Layers.condConv2d(CondConv2dConfig.of(32, ConvGeometry.of(3).withStride(2), 4)),
 *     Layers.dynamicConv2d(DynamicConv2dConfig.of(32, ConvGeometry.of(3), 4)),
 *     Layers.globalAvgPool(), Layers.dense(DenseConfig.of(10)));
 * Operand<TFloat32> logits = net.call(ctx, images);
 * }</pre>
 */
public final class Layers {
  private Layers() {}

  // Static layers.

  /**
   * A convolution ({@link Conv2d}): regular {@code kernel [kh,kw,Cin,filters]} or depthwise
   * {@code depthwise_kernel [kh,kw,C,M]} by the config's kind, and {@code bias}.
   */
  public static Layer conv2d(Conv2dConfig config) {
    return conv2d(null, config);
  }

  public static Layer conv2d(String name, Conv2dConfig config) {
    return new PlainLayers.Conv(name, config);
  }

  /** A dense layer on {@code [B,F]}: {@code kernel [F,units]}, {@code bias [units]}. */
  public static Layer dense(DenseConfig config) {
    return dense(null, config);
  }

  public static Layer dense(String name, DenseConfig config) {
    return new PlainLayers.Fc(name, config);
  }

  /** Batch normalisation with Keras' defaults (momentum 0.99, epsilon 1e-3). */
  public static Layer batchNorm() {
    return batchNorm(null, new BatchNormConfig(0.99, 1e-3));
  }

  /** Batch normalisation ({@link BatchNorm}) over the last axis. */
  public static Layer batchNorm(BatchNormConfig config) {
    return batchNorm(null, config);
  }

  public static Layer batchNorm(String name, BatchNormConfig config) {
    return new PlainLayers.Norm(name, config);
  }

  /** An activation; no variables. */
  public static Layer activation(Activation activation) {
    required("Layers.activation", "activation", activation);
    return (ctx, x) -> Activations.apply(ctx.ops(), x, activation);
  }

  /** Mean over H and W: {@code [B,H,W,C] -> [B,C]}. */
  public static Layer globalAvgPool() {
    return (ctx, x) -> GlobalAvgPool.apply(ctx.ops(), x);
  }

  /**
   * Inverted dropout in TRAIN, identity in INFER. The mask comes from the context's step seed
   * (fed per step, reproducible on resume) or, without one, from a seeded random op.
   */
  public static Layer dropout(double rate) {
    Check.inHalfOpen("Layers.dropout", "rate", rate, 0, 1);
    return new BuiltOnce<Integer>("Dropout", null, "dropout") {
      @Override
      protected Integer build(BuildContext ctx, org.dynconv.graph.LayerScope scope, Operand<TFloat32> x) {
        return ctx.nextDropoutSalt();
      }

      @Override
      protected Operand<TFloat32> apply(BuildContext ctx, Integer salt, Operand<TFloat32> x) {
        if (!ctx.mode().training() || rate == 0) {
          return x;
        }
        Ops tf = ctx.ops();
        if (ctx.stepSeed() != null) {
          return Dropout.apply(tf, x, rate, ctx.stepSeed(), salt, ctx.mode(), ctx.rows());
        }
        return Dropout.withMask(tf, x, tf.random.randomUniform(tf.shape(x), TFloat32.class,
            RandomUniform.seed(ctx.scope().seed()), RandomUniform.seed2((long) salt)), rate);
      }
    };
  }

  // Conditional layers: one call shape, routing or attention owned by the layer.

  /**
   * CondConv ({@link CondConv2d}), regular or depthwise by the config's kind, with its own sigmoid
   * routing {@code <name>/routing}, or the routing of an enclosing {@link SharedRouting} block.
   * Variables {@code condconv_kernel [E, kh*kw*Cin*filters]} (depthwise {@code
   * depthwise_condconv_kernel}), {@code condconv_bias [E, output channels]}.
   */
  public static Layer condConv2d(CondConv2dConfig config) {
    return condConv2d(null, config);
  }

  public static Layer condConv2d(String name, CondConv2dConfig config) {
    ConvKind kind = required("CondConv2d", "config", config).kind();
    return new ConditionalLayers.MixtureLayer(kind.layerName("CondConv2d"), name,
        kind.scopeName("cond_conv2d"), true, (ctx, scope, in, shared) -> ConditionalLayers.condConv(
            CondConv2d.create(scope, config, in), scope, config.numExperts(), in, shared));
  }

  /**
   * DynamicConv ({@link DynamicConv2d}), regular or depthwise by the config's kind: attention
   * {@code softmax(z / T)} over K kernels, T the context's shared temperature.
   */
  public static Layer dynamicConv2d(DynamicConv2dConfig config) {
    return dynamicConv2d(null, config);
  }

  public static Layer dynamicConv2d(String name, DynamicConv2dConfig config) {
    ConvKind kind = required("DynamicConv2d", "config", config).kind();
    return new ConditionalLayers.MixtureLayer(kind.layerName("DynamicConv2d"), name,
        kind.scopeName("dynamic_conv2d"), false, (ctx, scope, in, shared) -> {
          DynamicConv2d d = DynamicConv2d.create(scope, config, in, ctx.temperature());
          return new ConditionalLayers.Mixture(d, d.routing(), d.variables());
        });
  }

  /**
   * ODConv ({@link OdConv2d}), regular or depthwise by the config's kind; its attentions go to the
   * context's routing outputs.
   */
  public static Layer odConv2d(OdConv2dConfig config) {
    return odConv2d(null, config);
  }

  public static Layer odConv2d(String name, OdConv2dConfig config) {
    ConvKind kind = required("OdConv2d", "config", config).kind();
    return new ConditionalLayers.Od(kind.layerName("OdConv2d"), name,
        kind.scopeName("od_conv2d"), (ctx, scope, in) ->
        OdConv2d.create(scope, config, in, ctx.temperature()));
  }

  /** DCD ({@link DcdConv2d}); lambda and Phi go to the context's routing outputs. */
  public static Layer dcdConv2d(DcdConv2dConfig config) {
    return dcdConv2d(null, config);
  }

  public static Layer dcdConv2d(String name, DcdConv2dConfig config) {
    return new ConditionalLayers.Dcd(name, config);
  }

  /**
   * DCD's dynamic classifier ({@link DcdDense}, the official {@code DYCls}) on {@code [B,F]};
   * lambda and Phi go to the context's routing outputs.
   */
  public static Layer dcdDense(String name, DcdDenseConfig config) {
    return new ConditionalLayers.DcdFc(name, config);
  }

  static <T> T required(String component, String argument, T value) {
    Check.notNull(component, argument, value);
    return value;
  }
}
