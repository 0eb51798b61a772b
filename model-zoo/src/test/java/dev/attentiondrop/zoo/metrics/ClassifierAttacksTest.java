package dev.attentiondrop.zoo.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attentiondrop.zoo.config.ModelConfig;
import dev.attentiondrop.zoo.layers.CallContext;
import dev.attentiondrop.zoo.models.Classifier;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * The attack helpers on real (untrained) classifiers: they build, differentiate through the whole
 * model, and keep the perturbation inside the eps-ball (and [0, 1] for pixels).
 */
class ClassifierAttacksTest {

  static void assertInBall(String what, float[] clean, float[] adv, double eps, ValueRange clip) {
    double max = 0;
    for (int j = 0; j < clean.length; j++) {
      max = Math.max(max, Math.abs(adv[j] - clean[j]));
      if (clip != null) {
        assertTrue(
            clip.contains(adv[j]),
            what + ": value " + j + " = " + adv[j] + " outside the clip range");
      }
    }
    assertTrue(max <= eps + 1e-6, what + ": max |x' - x| = " + max + " > eps " + eps);
    assertTrue(max >= eps - 1e-6, what + ": the attack did not move (max |x' - x| = " + max + ")");
  }

  @Test
  void pixelAttackOnVit() {
    ModelConfig config = ModelConfig.vit().seed(3).build();
    int n = 5;
    int s = config.imageSize();
    Random r = new Random(1);
    float[] images = new float[n * s * s];
    for (int j = 0; j < images.length; j++) {
      images[j] = r.nextFloat();
    }
    images[0] = 0; // pixels already at the range's ends
    images[1] = 1;
    int[] labels = {0, 3, 5, 9, 2};
    try (Graph g = new Graph();
        Session session = new Session(g)) {
      Ops tf = Ops.create(g);
      Classifier model = new Classifier(tf, config);
      // the model is "trained" first: a session that already ran (variables initialized)
      var in = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, s, s)));
      var logits = model.call(tf, in, CallContext.inference()).logits();
      float[] expected = new float[n * config.numClasses()];
      try (TFloat32 t = TFloat32.tensorOf(Shape.of(n, s, s), DataBuffers.of(images, true, false));
          Result res = session.runner().feed(in, t).fetch(logits).run()) {
        ((TFloat32) res.get(0)).copyTo(DataBuffers.of(expected, false, false));
      }

      Attacks attack = ClassifierAttacks.pixels(session, tf, model, 2);
      assertArrayEquals(
          expected, attack.logits(images), 1e-5f, "the attack graph shares the model's weights");
      float[] grad = attack.gradient(images, labels);
      assertTrue(
          Arrays.stream(MetricsReference.widen(grad)).anyMatch(v -> v != 0), "zero gradient");

      float[] fgsm = attack.fgsm(images, labels, 0.03);
      assertInBall("fgsm", images, fgsm, 0.03, ValueRange.PIXELS);
      // pixels at 0 and 1 can only move inwards (a step outwards is clipped away)
      assertTrue(fgsm[0] == 0f || Math.abs(fgsm[0] - 0.03f) < 1e-6, "pixel 0: " + fgsm[0]);
      assertTrue(fgsm[1] == 1f || Math.abs(fgsm[1] - 0.97f) < 1e-6, "pixel 1: " + fgsm[1]);
      float[] pgd = attack.pgd(images, labels, new AttackSpec.Pgd(0.05, 3, 0.02, true, 5));
      assertInBall("pgd", images, pgd, 0.05, ValueRange.PIXELS);
      assertTrue(
          attack.loss(pgd, labels) > attack.loss(images, labels), "PGD should raise the loss");

      RobustAccuracy ra =
          attack.robustAccuracy(images, labels, new double[] {0, 0.1}, AttackSpec.Fgsm::new);
      assertEquals(ra.cleanAccuracy(), ra.accuracy().get(0));
      assertEquals(n, ra.examples());
    }
  }

  @Test
  void embeddingAttackOnText() {
    ModelConfig config =
        ModelConfig.text()
            .vocabularySize(50)
            .maxLength(12)
            .modelDim(16)
            .heads(2)
            .mlpDim(32)
            .layers(2)
            .seed(4)
            .build();
    int[][] ids = new int[4][12];
    Random r = new Random(2);
    int[] lengths = {12, 7, 3, 10};
    for (int i = 0; i < ids.length; i++) {
      for (int j = 0; j < lengths[i]; j++) {
        ids[i][j] = 1 + r.nextInt(49);
      }
    }
    int[] labels = {0, 1, 1, 0};
    int d = config.modelDim();
    try (Graph g = new Graph();
        Session session = new Session(g)) {
      Ops tf = Ops.create(g);
      Classifier model = new Classifier(tf, config);
      var attack = ClassifierAttacks.embeddings(session, tf, model, 3);
      float[] clean = attack.embed(ids);
      assertEquals(4 * 12 * d, clean.length);
      double eps = 0.01;
      for (AttackSpec spec :
          List.of(new AttackSpec.Fgsm(eps), new AttackSpec.Pgd(eps, 3, 0.004, true, 1))) {
        float[] adv = attack.attack(ids, labels, spec);
        assertInBall(spec.name(), clean, adv, eps, null);
        // padding is masked: its embeddings have no gradient and FGSM leaves them alone
        if (spec instanceof AttackSpec.Fgsm) {
          for (int i = 0; i < ids.length; i++) {
            for (int j = 0; j < 12; j++) {
              for (int k = 0; k < d; k++) {
                int at = (i * 12 + j) * d + k;
                if (ids[i][j] == 0) {
                  assertEquals(clean[at], adv[at], "padding [" + i + "][" + j + "] moved");
                } else {
                  assertEquals(
                      eps,
                      Math.abs(adv[at] - clean[at]),
                      1e-6,
                      "token [" + i + "][" + j + "] did not move by eps");
                }
              }
            }
          }
        }
        assertTrue(
            attack.attacks().loss(adv, labels, attack.mask(ids))
                > attack.attacks().loss(clean, labels, attack.mask(ids)),
            spec.name() + " should raise the loss");
      }
      RobustAccuracy ra =
          attack.robustAccuracy(
              ids,
              labels,
              new double[] {0, 0.05},
              e -> AttackSpec.Pgd.relative(e, 2, 0.5, false, 0));
      assertEquals(attack.accuracy(ids, labels), ra.accuracy().get(0));
      var e =
          assertThrows(
              IllegalArgumentException.class, () -> attack.embed(new int[][] {new int[11]}));
      assertTrue(
          e.getMessage().contains("ids row 0 must have max_length 12 ids, got 11"), e.getMessage());
      var wrongKind =
          assertThrows(
              IllegalArgumentException.class, () -> ClassifierAttacks.pixels(session, tf, model));
      assertTrue(
          wrongKind.getMessage().contains("pixel attacks need a vit model, got kind 'text'"),
          wrongKind.getMessage());
    }
  }
}
