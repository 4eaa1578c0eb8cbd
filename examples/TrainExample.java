// Trains the DynamicConv CNN for one epoch on part of the embedded Fashion-MNIST subset with
// dynconv's public training API, then prints the test accuracy.
//
// Run after `mvn -q package -DskipTests`:
//   java -cp "target/dynconv.jar:target/lib/*" examples/TrainExample.java

import java.nio.file.Files;
import java.nio.file.Path;
import org.dynconv.data.FashionMnist;
import org.dynconv.graph.Threads;
import org.dynconv.train.TrainConfig;
import org.dynconv.train.Trainer;

public class TrainExample {
  public static void main(String[] args) throws Exception {
    FashionMnist.Split data = FashionMnist.embedded();
    TrainConfig config = new TrainConfig(
        "small-cnn-dynamic", /* experts */ 4, /* epochs */ 1, /* batch */ 64, /* seed */ 42,
        "sgd", /* lr */ 0.05, /* momentum */ 0.9, "cosine", /* warm-up epochs */ 0.2,
        /* weight decay */ 5e-4, /* label smoothing */ 0.0, /* clip norm */ 0.0, /* EMA */ 0.0,
        /* temperature 30 -> 1 over */ 30, 1, /* epochs */ 0.5, /* augment */ false,
        /* checkpoint every N steps */ 0, /* training images */ 3000);
    Path runDir = Files.createTempDirectory("dynconv-example-");
    Trainer.Result result = new Trainer(config, data.train(), data.test(),
        new Trainer.Options(runDir, false, Threads.defaults(), System.out, false)).run();
    System.out.printf("test accuracy %.3f after %d steps; checkpoint %s%n", result.testAccuracy(),
        result.steps(), result.checkpoint().dir());
  }
}
