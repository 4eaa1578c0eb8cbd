package org.dynconv.importer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Canonical names for Google EfficientNet(-CondConv) checkpoint keys, so keys can be matched by
 * pattern rather than by Python's name generation (google-condconv-compat.md, section 5.5):
 *
 * <ul>
 *   <li>the first path component (the model's variable scope) and a {@code model/} infix after it
 *       are dropped: {@code efficientnet-b0/blocks_3/conv2d/kernel} becomes {@code
 *       blocks_3/conv2d/kernel};
 *   <li>CondConv kernels, whose Keras layer names carry graph-wide indices, become roles within
 *       their block: of the {@code cond_conv2d[_n]/condconv_kernel} keys of a block the lower
 *       index is {@code blocks_N/condconv:expand/...}, the higher {@code blocks_N/condconv:project/...};
 *       {@code depthwise_cond_conv2d[_n]} becomes {@code blocks_N/condconv:depthwise/...}.
 * </ul>
 */
public final class GoogleNames {
  private static final Pattern COND = Pattern.compile(
      "(blocks_\\d+)/(?:.*/)?cond_conv2d(?:_(\\d+))?/(condconv_kernel|condconv_bias)");
  private static final Pattern DEPTHWISE = Pattern.compile(
      "(blocks_\\d+)/(?:.*/)?depthwise_cond_conv2d(?:_\\d+)?/(depthwise_condconv_kernel|condconv_bias)");

  private GoogleNames() {}

  /** Strips the root scope and an optional {@code model/} infix. */
  static String stripRoot(String key) {
    int slash = key.indexOf('/');
    String rest = slash < 0 ? key : key.substring(slash + 1);
    return rest.startsWith("model/") ? rest.substring("model/".length()) : rest;
  }

  /** Canonical name of each key (keys of one checkpoint or one model, all at once). */
  public static Map<String, String> canonical(List<String> keys) {
    Map<String, String> out = new HashMap<>();
    // CondConv kernels of each block, ordered by the Keras index in their layer name.
    Map<String, List<String[]>> cond = new HashMap<>();
    for (String key : keys) {
      String s = stripRoot(key);
      Matcher m = COND.matcher(s);
      Matcher d = DEPTHWISE.matcher(s);
      if (m.matches()) {
        String index = m.group(2) == null ? "0" : m.group(2);
        cond.computeIfAbsent(m.group(1) + "/" + m.group(3), b -> new ArrayList<>())
            .add(new String[] {index, key});
      } else if (d.matches()) {
        out.put(key, d.group(1) + "/condconv:depthwise/" + d.group(2));
      } else {
        out.put(key, s);
      }
    }
    for (var e : cond.entrySet()) {
      List<String[]> layers = e.getValue();
      layers.sort(Comparator.comparingInt(a -> Integer.parseInt(a[0])));
      String block = e.getKey().substring(0, e.getKey().indexOf('/'));
      String var = e.getKey().substring(e.getKey().indexOf('/') + 1);
      for (int i = 0; i < layers.size(); i++) {
        // One CondConv2D in a block without expansion is its project conv.
        String role = layers.size() == 1 || i == layers.size() - 1 ? "project" : "expand";
        if (layers.size() > 2 && i > 0 && i < layers.size() - 1) {
          role = "extra" + i;
        }
        out.put(layers.get(i)[1], block + "/condconv:" + role + "/" + var);
      }
    }
    return out;
  }
}
