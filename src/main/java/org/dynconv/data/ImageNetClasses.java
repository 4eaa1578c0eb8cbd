package org.dynconv.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The 1000 ImageNet-1k classes in the label order of Google's checkpoints (sorted WordNet IDs,
 * label 0 = n01440764 "tench"), read from the bundled {@code imagenet-classes.tsv}.
 */
public final class ImageNetClasses {
  /** Where the names come from, recorded in every export that carries them. */
  public static final String SOURCE = "ImageNet-1k WordNet 3.0 lemmas in sorted-synset order, from"
      + " timm 1.0.31 (PyPI, Apache-2.0) timm/data/_info/imagenet_synset_to_lemma.txt";

  private record Entry(String wnid, String lemmas) {}

  private static final List<Entry> ENTRIES = read();

  private ImageNetClasses() {}

  private static List<Entry> read() {
    String res = "imagenet-classes.tsv";
    try (InputStream in = ImageNetClasses.class.getResourceAsStream(res)) {
      if (in == null) {
        throw new IllegalStateException("ImageNetClasses: resource " + res + " is missing from the"
            + " jar; expected it beside ImageNetClasses.class.");
      }
      List<Entry> out = new ArrayList<>();
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line; (line = r.readLine()) != null; ) {
        if (!line.startsWith("#") && !line.isBlank()) {
          String[] f = line.split("\t", 2);
          out.add(new Entry(f[0], f[1]));
        }
      }
      if (out.size() != 1000) {
        throw new IllegalStateException("ImageNetClasses: " + res + " has " + out.size()
            + " classes; expected 1000.");
      }
      return List.copyOf(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The WordNet IDs in label order. */
  public static List<String> wordNetIds() {
    return ENTRIES.stream().map(Entry::wnid).toList();
  }

  /**
   * One short name per label: the synset's first lemma ("tench"), with the WordNet ID appended
   * where two classes share it ("crane (n02012849)" the bird, "crane (n03126707)" the machine).
   */
  public static String[] names() {
    Map<String, Integer> count = new HashMap<>();
    for (Entry e : ENTRIES) {
      count.merge(first(e), 1, Integer::sum);
    }
    String[] out = new String[ENTRIES.size()];
    for (int i = 0; i < out.length; i++) {
      Entry e = ENTRIES.get(i);
      out[i] = count.get(first(e)) > 1 ? first(e) + " (" + e.wnid() + ")" : first(e);
    }
    return out;
  }

  private static String first(Entry e) {
    int comma = e.lemmas().indexOf(',');
    return comma < 0 ? e.lemmas() : e.lemmas().substring(0, comma);
  }
}
