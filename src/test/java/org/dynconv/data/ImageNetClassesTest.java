package org.dynconv.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bundled ImageNet class list against facts known independently of it. */
class ImageNetClassesTest {
  @Test
  void labelOrderIsTheSortedSynsetOrder() {
    List<String> ids = ImageNetClasses.wordNetIds();
    assertEquals(1000, ids.size());
    assertEquals(1000, new HashSet<>(ids).size(), "WordNet IDs are unique");
    for (int i = 1; i < ids.size(); i++) {
      assertEquals(-1, Integer.signum(ids.get(i - 1).compareTo(ids.get(i))), "sorted at " + i);
    }
    // The ILSVRC 2012 labels every ImageNet user knows by number.
    String[] names = ImageNetClasses.names();
    assertEquals("tench", names[0]);
    assertEquals("goldfish", names[1]);
    assertEquals("golden retriever", names[207]);
    assertEquals("toilet tissue", names[999]);
    assertEquals("n01440764", ids.get(0));
    assertEquals("n15075141", ids.get(999));
  }

  @Test
  void namesAreUniqueWithSharedLemmasDisambiguated() {
    String[] names = ImageNetClasses.names();
    assertEquals(1000, new HashSet<>(List.of(names)).size());
    List<String> ids = ImageNetClasses.wordNetIds();
    assertEquals("crane (n02012849)", names[ids.indexOf("n02012849")]);
    assertEquals("crane (n03126707)", names[ids.indexOf("n03126707")]);
  }
}
