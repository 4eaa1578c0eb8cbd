package org.dynconv.config;

import java.util.Arrays;

/**
 * Argument validation shared by every config record. It is the one place that formats config
 * errors, so every message has the same shape: {@code <Component>: <argument>=<value> is invalid;
 * expected <expectation>.}
 */
public final class Check {
  private Check() {}

  /** Throws unless {@code value >= 1}. */
  public static int positive(String component, String name, int value) {
    if (value < 1) {
      throw invalid(component, name, value, name + " >= 1");
    }
    return value;
  }

  /** Throws unless {@code value >= 1}. */
  public static long positive(String component, String name, long value) {
    if (value < 1) {
      throw invalid(component, name, value, name + " >= 1");
    }
    return value;
  }

  /** Throws unless {@code value >= min}. */
  public static int atLeast(String component, String name, int value, int min) {
    if (value < min) {
      throw invalid(component, name, value, name + " >= " + min);
    }
    return value;
  }

  /** Throws unless {@code min <= value <= max}. */
  public static int inRange(String component, String name, int value, int min, int max) {
    if (value < min || value > max) {
      throw invalid(component, name, value, min + " <= " + name + " <= " + max);
    }
    return value;
  }

  /** Throws unless {@code value} is finite and {@code > 0}. */
  public static double positiveFinite(String component, String name, double value) {
    if (!(value > 0) || !Double.isFinite(value)) {
      throw invalid(component, name, value, "a finite " + name + " > 0");
    }
    return value;
  }

  /** Throws unless {@code value} is finite and {@code >= 0}. */
  public static double nonNegativeFinite(String component, String name, double value) {
    if (!(value >= 0) || !Double.isFinite(value)) {
      throw invalid(component, name, value, "a finite " + name + " >= 0");
    }
    return value;
  }

  /** Throws unless {@code lo <= value < hi} (half-open), for fractions such as momentum. */
  public static double inHalfOpen(String component, String name, double value, double lo, double hi) {
    if (!(value >= lo && value < hi)) {
      throw invalid(component, name, value, lo + " <= " + name + " < " + hi);
    }
    return value;
  }

  /** Throws unless {@code value} is not null. */
  public static <T> T notNull(String component, String name, T value) {
    if (value == null) {
      throw new IllegalArgumentException(component + ": " + name + " is null; expected a value.");
    }
    return value;
  }

  /** Builds the standard message for an invalid argument. */
  public static IllegalArgumentException invalid(
      String component, String name, Object value, String expectation) {
    String shown = value instanceof int[] a ? Arrays.toString(a) : String.valueOf(value);
    return new IllegalArgumentException(
        component + ": " + name + "=" + shown + " is invalid; expected " + expectation + ".");
  }
}
