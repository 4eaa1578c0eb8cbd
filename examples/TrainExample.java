// Trains the DynamicConv CNN for one epoch on part of the embedded Fashion-MNIST subset with
// dynconv's public training API, then prints the test accuracy.
//
// Run after `mvn -q package -DskipTests`:
//   java -cp "target/dynconv.jar:target/lib/*" examples/TrainExample.java

import java.nio.file.Files;
import java.nio.file.Path;
import org.dynconv.data.FashionMnist;
import org.dynconv.train.TrainConfig;
import org.dynconv.train.Trainer;

public class TrainExample {
  public static void main(String[] args) throws Exception {
    FashionMnist.Split data = FashionMnist.embedded();
    // Defaults as `dynconv train`; set what differs. build() validates every field in one place.
    TrainConfig config = TrainConfig.builder().model("small-cnn-dynamic").experts(4).epochs(1)
        .batchSize(64).seed(42).learningRate(0.05).warmupEpochs(0.2).weightDecay(5e-4)
        .temperature(30, 1, 0.5).trainLimit(3000).build();
    Path runDir = Files.createTempDirectory("dynconv-example-");
    Trainer.Result result = new Trainer(config, data.train(), data.test(),
        Trainer.Options.of(runDir)).run();
    System.out.printf("test accuracy %.3f after %d steps; checkpoint %s%n", result.testAccuracy(),
        result.steps(), result.checkpoint().dir());
  }
}
