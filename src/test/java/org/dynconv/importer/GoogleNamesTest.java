package org.dynconv.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Pattern matching of Google's checkpoint keys, with and without the model/ infix. */
class GoogleNamesTest {
  @Test
  void condconvLayersBecomeRolesWithinTheirBlock() {
    Map<String, String> c = GoogleNames.canonical(List.of(
        "efficientnet-condconv-b0-4e/model/blocks_9/cond_conv2d_5/condconv_kernel",
        "efficientnet-condconv-b0-4e/model/blocks_9/cond_conv2d_4/condconv_kernel",
        "efficientnet-condconv-b0-4e/model/blocks_9/depthwise_cond_conv2d_1/depthwise_condconv_kernel",
        "efficientnet-condconv-b0-4e/blocks_9/tpu_batch_normalization_2/gamma",
        // Without the model/ infix and with other indices, as a real checkpoint might have them.
        "efficientnet-condconv-b0-4e/blocks_10/cond_conv2d_12/condconv_kernel",
        "efficientnet-condconv-b0-4e/blocks_10/cond_conv2d_9/condconv_kernel",
        "efficientnet-condconv-b0-4e/blocks_10/depthwise_cond_conv2d_77/depthwise_condconv_kernel",
        "efficientnet-b0/blocks_0/conv2d/kernel"));
    assertEquals("blocks_9/condconv:expand/condconv_kernel",
        c.get("efficientnet-condconv-b0-4e/model/blocks_9/cond_conv2d_4/condconv_kernel"));
    assertEquals("blocks_9/condconv:project/condconv_kernel",
        c.get("efficientnet-condconv-b0-4e/model/blocks_9/cond_conv2d_5/condconv_kernel"));
    assertEquals("blocks_9/condconv:depthwise/depthwise_condconv_kernel", c.get(
        "efficientnet-condconv-b0-4e/model/blocks_9/depthwise_cond_conv2d_1/depthwise_condconv_kernel"));
    assertEquals("blocks_9/tpu_batch_normalization_2/gamma",
        c.get("efficientnet-condconv-b0-4e/blocks_9/tpu_batch_normalization_2/gamma"));
    // 9 < 12 numerically (not as strings): 9 is the expand conv.
    assertEquals("blocks_10/condconv:expand/condconv_kernel",
        c.get("efficientnet-condconv-b0-4e/blocks_10/cond_conv2d_9/condconv_kernel"));
    assertEquals("blocks_10/condconv:project/condconv_kernel",
        c.get("efficientnet-condconv-b0-4e/blocks_10/cond_conv2d_12/condconv_kernel"));
    assertEquals("blocks_10/condconv:depthwise/depthwise_condconv_kernel", c.get(
        "efficientnet-condconv-b0-4e/blocks_10/depthwise_cond_conv2d_77/depthwise_condconv_kernel"));
    assertEquals("blocks_0/conv2d/kernel", c.get("efficientnet-b0/blocks_0/conv2d/kernel"));
  }
}
