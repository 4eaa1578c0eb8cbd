package org.dynconv.bench;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.proto.DeviceStepStats;
import org.tensorflow.proto.NodeExecStats;
import org.tensorflow.proto.RunMetadata;
import org.tensorflow.proto.RunOptions;

/**
 * Where a run's time goes: runs the targets with TensorFlow's full trace and sums the wall time of
 * every executed node by op type (the CPU executor reports each kernel's start and end).
 */
public final class OpProfile {
  private OpProfile() {}

  /** Microseconds per op type, summed over {@code runs} traced runs. */
  public static Map<String, Long> byOpType(Session s, List<? extends Operand<?>> targets, int runs) {
    return byOpType(() -> {
      Session.Runner r = s.runner();
      targets.forEach(t -> r.addTarget(t.op()));
      return r;
    }, runs);
  }

  /**
   * Microseconds per op type, summed over {@code runs} traced runs of the runners {@code runner}
   * makes (with their feeds and targets).
   */
  public static Map<String, Long> byOpType(Supplier<Session.Runner> runner, int runs) {
    Map<String, Long> micros = new HashMap<>();
    for (int i = 0; i < runs; i++) {
      Session.Runner r = runner.get().setOptions(
          RunOptions.newBuilder().setTraceLevel(RunOptions.TraceLevel.FULL_TRACE).build());
      try (Result res = r.runAndFetchMetadata()) {
        RunMetadata md = res.getMetadata().orElseThrow();
        for (DeviceStepStats d : md.getStepStats().getDevStatsList()) {
          for (NodeExecStats n : d.getNodeStatsList()) {
            String type = n.getTimelineLabel().contains(" = ")
                ? n.getTimelineLabel().replaceAll("^.* = ([A-Za-z0-9_]+)\\(.*$", "$1") : n.getNodeName();
            micros.merge(type, n.getAllEndRelMicros(), Long::sum);
          }
        }
      }
    }
    return micros;
  }

  /** The summed microseconds of a profile. */
  public static double total(Map<String, Long> micros) {
    return micros.values().stream().mapToLong(Long::longValue).sum();
  }

  /** The profile as "Type 123 us" lines, largest first. */
  public static String format(Map<String, Long> micros, int runs) {
    StringBuilder sb = new StringBuilder();
    micros.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).limit(12)
        .forEach(e -> sb.append(String.format("    %-40s %9.1f us%n", e.getKey(),
            e.getValue() / (double) runs)));
    return sb.toString();
  }
}
