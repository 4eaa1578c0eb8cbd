package org.dynconv.blocks;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict parser for Google's EfficientNet block strings, e.g. {@code
 * r3_k5_s11_e6_i80_o112_se0.25_cc}: tokens separated by '_', each a key followed by its value.
 * Keys: {@code r} repeats, {@code k} kernel, {@code s} stride (two equal digits), {@code e}
 * expansion, {@code i} input filters, {@code o} output filters (all six required), {@code se}
 * ratio, and the flags {@code noskip} and {@code cc}. An unknown, repeated or malformed token is
 * an error naming the token, its position and the known keys (Google's decoder and timm's skip
 * them silently).
 */
public final class BlockArgsParser {
  private static final Pattern TOKEN = Pattern.compile("([a-z]+)(.*)");
  private static final List<String> KEYS = List.of("r", "k", "s", "e", "i", "o", "se", "noskip", "cc");
  private static final List<String> REQUIRED = List.of("r", "k", "s", "e", "i", "o");

  private BlockArgsParser() {}

  public static BlockArgs parse(String block) {
    if (block == null || block.isEmpty()) {
      throw new IllegalArgumentException("BlockArgsParser: empty block string; expected tokens such"
          + " as r1_k3_s11_e1_i32_o16_se0.25.");
    }
    String[] tokens = block.split("_", -1);
    Map<String, String> values = new HashMap<>();
    for (int i = 0; i < tokens.length; i++) {
      String t = tokens[i];
      Matcher m = TOKEN.matcher(t);
      String key = m.matches() ? m.group(1) : "";
      String value = m.matches() ? m.group(2) : t;
      if (!KEYS.contains(key)) {
        throw error(block, i, t, "unknown token");
      }
      if (values.containsKey(key)) {
        throw error(block, i, t, "repeated key '" + key + "'");
      }
      boolean flag = key.equals("noskip") || key.equals("cc");
      if (flag ? !value.isEmpty() : !validValue(key, value)) {
        throw error(block, i, t, "malformed value for key '" + key + "'");
      }
      values.put(key, value);
    }
    for (String k : REQUIRED) {
      if (!values.containsKey(k)) {
        throw new IllegalArgumentException("BlockArgsParser: block '" + block + "' has no '" + k
            + "' token; expected all of " + REQUIRED + ".");
      }
    }
    String s = values.get("s");
    return new BlockArgs(Integer.parseInt(values.get("r")), Integer.parseInt(values.get("k")),
        s.charAt(0) - '0', Integer.parseInt(values.get("e")), Integer.parseInt(values.get("i")),
        Integer.parseInt(values.get("o")),
        values.containsKey("se") ? Double.parseDouble(values.get("se")) : 0,
        !values.containsKey("noskip"), values.containsKey("cc"));
  }

  private static boolean validValue(String key, String v) {
    return switch (key) {
      case "s" -> v.matches("[1-9]{2}") && v.charAt(0) == v.charAt(1);
      case "se" -> v.matches("(0(\\.\\d+)?|1(\\.0+)?|\\.\\d+)") && Double.parseDouble(v) > 0;
      default -> v.matches("[1-9]\\d{0,4}");
    };
  }

  private static IllegalArgumentException error(String block, int index, String token, String what) {
    return new IllegalArgumentException("BlockArgsParser: " + what + " '" + token + "' at index "
        + index + " in '" + block + "'; known keys: r, k, s (two equal digits), e, i, o, se, noskip,"
        + " cc.");
  }
}
