package org.dynconv.analysis;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * A small headless plotting canvas (Java2D): a figure of panels, each with a title, labelled
 * axes with ticks, and lines, bars, points or a heatmap, plus legends and colour bars. Enough for
 * dynconv's analysis and benchmark pictures without a plotting dependency.
 */
public final class Chart {
  static {
    System.setProperty("java.awt.headless", "true");
  }

  /** Colours for series, distinguishable and colour-blind friendly (Okabe-Ito). */
  public static final Color[] PALETTE = {new Color(0, 114, 178), new Color(230, 159, 0),
      new Color(0, 158, 115), new Color(204, 121, 167), new Color(86, 180, 233),
      new Color(213, 94, 0), new Color(240, 228, 66), new Color(0, 0, 0)};

  private final BufferedImage image;
  private final Graphics2D g;

  public Chart(int width, int height, String title) {
    image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
    centered(title, width / 2, 26);
  }

  /** A plotting area at pixel rectangle (x, y, w, h) with data ranges and labels. */
  public Panel panel(int x, int y, int w, int h, String title, String xLabel, String yLabel,
      double xMin, double xMax, double yMin, double yMax) {
    return new Panel(x, y, w, h, title, xLabel, yLabel, xMin, xMax, yMin, yMax);
  }

  public void save(Path file) throws IOException {
    g.dispose();
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
    try {
      ImageIO.write(image, "png", tmp.toFile());
      Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  void centered(String s, int cx, int y) {
    FontMetrics fm = g.getFontMetrics();
    g.drawString(s, cx - fm.stringWidth(s) / 2, y);
  }

  /** Blue (0) to white to red (1) for heatmaps of values in [0, 1]. */
  public static Color heat(double v) {
    double t = Math.max(0, Math.min(1, v));
    int r = (int) Math.round(t < 0.5 ? 40 + 430 * t : 255);
    int gr = (int) Math.round(t < 0.5 ? 90 + 330 * t : 255 - 390 * (t - 0.5));
    int b = (int) Math.round(t < 0.5 ? 200 + 110 * t : 255 - 420 * (t - 0.5));
    return new Color(clamp(r), clamp(gr), clamp(b));
  }

  private static int clamp(int v) {
    return Math.max(0, Math.min(255, v));
  }

  /** Round tick values in [min, max], about {@code n} of them. */
  static double[] niceTicks(double min, double max, int n) {
    double raw = (max - min) / Math.max(1, n);
    double mag = Math.pow(10, Math.floor(Math.log10(raw)));
    double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag : 10 * mag;
    java.util.List<Double> out = new java.util.ArrayList<>();
    for (double v = Math.ceil(min / step - 1e-9) * step; v <= max + step * 1e-9; v += step) {
      out.add(Math.abs(v) < step * 1e-9 ? 0 : v);
    }
    return out.stream().mapToDouble(Double::doubleValue).toArray();
  }

  static String fmt(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e6) {
      return String.format(Locale.ROOT, "%d", (long) v);
    }
    return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.0f", v)
        : new java.math.BigDecimal(v).round(new java.math.MathContext(3)).stripTrailingZeros()
            .toPlainString();
  }

  /** One set of axes. */
  public final class Panel {
    private final int x;
    private final int y;
    private final int w;
    private final int h;
    private final double xMin;
    private final double xMax;
    private final double yMin;
    private final double yMax;

    Panel(int x, int y, int w, int h, String title, String xLabel, String yLabel, double xMin,
        double xMax, double yMin, double yMax) {
      this.x = x;
      this.y = y;
      this.w = w;
      this.h = h;
      this.xMin = xMin;
      this.xMax = xMax == xMin ? xMin + 1 : xMax;
      this.yMin = yMin;
      this.yMax = yMax == yMin ? yMin + 1 : yMax;
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
      centered(title, x + w / 2, y - 8);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      centered(xLabel, x + w / 2, y + h + 34);
      AffineTransform saved = g.getTransform();
      g.rotate(-Math.PI / 2);
      centered(yLabel, -(y + h / 2), x - 42);
      g.setTransform(saved);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
      g.setStroke(new BasicStroke(1f));
      g.drawRect(x, y, w, h);
    }

    /** Ticks at round values (steps of 1, 2 or 5 times a power of ten), about n per axis. */
    public Panel ticks(int xTicks, int yTicks) {
      g.setColor(Color.BLACK);
      for (double v : niceTicks(xMin, xMax, xTicks)) {
        int px = px(v);
        g.drawLine(px, y + h, px, y + h + 4);
        centered(fmt(v), px, y + h + 17);
      }
      return yTicks(yTicks);
    }

    public Panel yTicks(int yTicks) {
      g.setColor(Color.BLACK);
      FontMetrics fm = g.getFontMetrics();
      for (double v : niceTicks(yMin, yMax, yTicks)) {
        int py = py(v);
        g.drawLine(x - 4, py, x, py);
        String s = fmt(v);
        g.drawString(s, x - 6 - fm.stringWidth(s), py + 4);
      }
      return this;
    }

    /** Category labels under evenly spaced cells; a {@code '\n'} in a label starts a new line. */
    public Panel xCategories(List<String> names) {
      g.setColor(Color.BLACK);
      for (int i = 0; i < names.size(); i++) {
        String[] lines = names.get(i).split("\n");
        for (int l = 0; l < lines.length; l++) {
          centered(lines[l], x + (int) ((i + 0.5) * w / names.size()), y + h + 15 + 13 * l);
        }
      }
      return this;
    }

    public Panel yCategories(List<String> names) {
      g.setColor(Color.BLACK);
      FontMetrics fm = g.getFontMetrics();
      for (int i = 0; i < names.size(); i++) {
        String s = names.get(i);
        g.drawString(s, x - 6 - fm.stringWidth(s), y + (int) ((i + 0.6) * h / names.size()));
      }
      return this;
    }

    public Panel line(double[] xs, double[] ys, Color c, float width) {
      g.setColor(c);
      g.setStroke(new BasicStroke(width));
      for (int i = 1; i < xs.length; i++) {
        g.drawLine(px(xs[i - 1]), py(ys[i - 1]), px(xs[i]), py(ys[i]));
      }
      g.setStroke(new BasicStroke(1f));
      return this;
    }

    public Panel points(double[] xs, double[] ys, Color c) {
      g.setColor(c);
      for (int i = 0; i < xs.length; i++) {
        g.fillOval(px(xs[i]) - 3, py(ys[i]) - 3, 7, 7);
      }
      return this;
    }

    /** A bar from {@code y = yMin} up to {@code v} spanning data x in [x0, x1]. */
    public Panel bar(double x0, double x1, double v, Color c) {
      g.setColor(c);
      int a = px(x0), b = px(x1), top = py(v);
      g.fillRect(Math.min(a, b), top, Math.max(1, Math.abs(b - a)), py(yMin) - top);
      return this;
    }

    /** A dashed horizontal reference line with a label. */
    public Panel hline(double v, String label, Color c) {
      g.setColor(c);
      g.setStroke(new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10,
          new float[] {6, 4}, 0));
      g.drawLine(x, py(v), x + w, py(v));
      g.setStroke(new BasicStroke(1f));
      g.drawString(label, x + 4, py(v) - 4);
      return this;
    }

    /** A matrix of values in [0,1] drawn as coloured cells (row 0 at the top) with values. */
    public Panel heatmap(double[][] m) {
      int rows = m.length, cols = m[0].length;
      for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++) {
          int x0 = x + c * w / cols, x1 = x + (c + 1) * w / cols;
          int y0 = y + r * h / rows, y1 = y + (r + 1) * h / rows;
          g.setColor(heat(m[r][c]));
          g.fillRect(x0, y0, x1 - x0, y1 - y0);
          if (cols <= 16 && h / rows >= 12) {
            g.setColor(m[r][c] > 0.8 || m[r][c] < 0.2 ? Color.WHITE : Color.BLACK);
            centered(String.format(Locale.ROOT, "%.2f", m[r][c]), (x0 + x1) / 2, (y0 + y1) / 2 + 4);
          }
        }
      }
      g.setColor(Color.BLACK);
      g.drawRect(x, y, w, h);
      return this;
    }

    /** A vertical colour bar for {@link #heatmap} at the panel's right. */
    public Panel colorBar(String label) {
      int bx = x + w + 12;
      for (int i = 0; i < h; i++) {
        g.setColor(heat(1 - (double) i / h));
        g.drawLine(bx, y + i, bx + 12, y + i);
      }
      g.setColor(Color.BLACK);
      g.drawRect(bx, y, 12, h);
      g.drawString("1", bx + 16, y + 10);
      g.drawString("0", bx + 16, y + h);
      g.drawString(label, bx - 4, y + h + 16);
      return this;
    }

    /** A legend box in the panel's top-right corner. */
    public Panel legend(List<String> names, List<Color> colors) {
      FontMetrics fm = g.getFontMetrics();
      int width = names.stream().mapToInt(fm::stringWidth).max().orElse(0) + 30;
      int lx = x + w - width - 6, ly = y + 6;
      g.setColor(new Color(255, 255, 255, 230));
      g.fillRect(lx, ly, width, 16 * names.size() + 6);
      g.setColor(Color.GRAY);
      g.drawRect(lx, ly, width, 16 * names.size() + 6);
      for (int i = 0; i < names.size(); i++) {
        g.setColor(colors.get(i));
        g.fillRect(lx + 6, ly + 8 + 16 * i, 14, 8);
        g.setColor(Color.BLACK);
        g.drawString(names.get(i), lx + 24, ly + 16 + 16 * i);
      }
      return this;
    }

    int px(double v) {
      return x + (int) Math.round((v - xMin) / (xMax - xMin) * w);
    }

    int py(double v) {
      return y + h - (int) Math.round((v - yMin) / (yMax - yMin) * h);
    }
  }
}
