package org.dynconv.train.optim;

import org.dynconv.graph.VariableRef;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/** A gradient and the variable it belongs to. */
public record GradAndVar(Operand<TFloat32> gradient, VariableRef variable) {}
