package dev.pastiche.classifier;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import dev.pastiche.perception.GradientLock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Trains a head on fixed feature vectors with DJL's training API: softmax cross-entropy, Adam with
 * L2 weight decay, mini-batches in a seeded order, Glorot-uniform initial weights from the same seed
 * (Glorot &amp; Bengio 2010), so one seed gives one head. Holds the process's gradient lock.
 */
final class HeadTrainer {

    /** Called after every epoch with its mean training loss. */
    interface EpochListener {
        void epoch(int epoch, double loss);
    }

    /** Thrown when {@code cancelled} turns true between steps. */
    static final class Cancelled extends RuntimeException {
        Cancelled() {
            super("cancelled");
        }
    }

    private HeadTrainer() {
    }

    /** @return the head's weights as {@link Head} reads them */
    static byte[] train(Head head, float[][] features, int[] labels, ClassifierOptions options, Device device, EpochListener listener,
            BooleanSupplier cancelled) {
        ReentrantLock lock = GradientLock.get();
        try {
            lock.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Cancelled();
        }
        try {
            return trainHolding(head, features, labels, options, device, listener, cancelled);
        } finally {
            lock.unlock();
        }
    }

    private static byte[] trainHolding(Head head, float[][] features, int[] labels, ClassifierOptions options, Device device,
            EpochListener listener, BooleanSupplier cancelled) {
        Random random = new Random(options.seed());
        int n = features.length;
        int dim = head.inputs();
        float[][] standardisation = standardisation(features);
        Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed(options.learningRate().floatValue()))
                .optWeightDecays(options.regularisation().floatValue()).build();
        DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()).optOptimizer(adam)
                .optDevices(new Device[] {device});
        try (Model model = Model.newInstance("classifier-head", device, "PyTorch")) {
            model.setBlock(head.block());
            try (Trainer trainer = model.newTrainer(config)) {
                // after the trainer, whose configuration installs its own initialisers
                for (Pair<String, Parameter> parameter : model.getBlock().getParameters()) {
                    parameter.getValue().setInitializer((m, shape, type) -> parameter.getValue().getType() == Parameter.Type.BIAS
                            ? m.zeros(shape, type) : glorot(m, shape, random));
                }
                int batchSize = Math.min(options.batchSize(), n);
                trainer.initialize(new Shape(batchSize, dim));
                NDManager manager = trainer.getManager();
                NDArray mean = manager.create(standardisation[0], new Shape(1, dim));
                NDArray std = manager.create(standardisation[1], new Shape(1, dim));
                List<Integer> order = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    order.add(i);
                }
                for (int epoch = 1; epoch <= options.epochs(); epoch++) {
                    java.util.Collections.shuffle(order, random);
                    double lossSum = 0;
                    for (int start = 0; start < n; start += batchSize) {
                        if (cancelled.getAsBoolean()) {
                            throw new Cancelled();
                        }
                        List<Integer> rows = order.subList(start, Math.min(n, start + batchSize));
                        float[] x = new float[rows.size() * dim];
                        float[] y = new float[rows.size()];
                        for (int r = 0; r < rows.size(); r++) {
                            System.arraycopy(features[rows.get(r)], 0, x, r * dim, dim);
                            y[r] = labels[rows.get(r)];
                        }
                        try (NDManager step = manager.newSubManager()) {
                            NDArray input = Head.standardised(step.create(x, new Shape(rows.size(), dim)), mean, std);
                            NDArray target = step.create(y, new Shape(rows.size()));
                            try (GradientCollector collector = trainer.newGradientCollector()) {
                                NDList predictions = trainer.forward(new NDList(input));
                                NDArray loss = trainer.getLoss().evaluate(new NDList(target), predictions);
                                collector.backward(loss);
                                lossSum += loss.getFloat() * rows.size();
                            }
                            trainer.step();
                        }
                    }
                    listener.epoch(epoch, lossSum / n);
                }
                NDList stored = new NDList();
                mean.setName(Head.MEAN);
                std.setName(Head.STD);
                stored.add(mean);
                stored.add(std);
                for (Pair<String, Parameter> parameter : model.getBlock().getParameters()) {
                    NDArray array = parameter.getValue().getArray().duplicate();
                    array.setName(parameter.getKey());
                    stored.add(array);
                }
                return stored.encode(NDList.Encoding.SAFETENSORS);
            }
        }
    }

    /** Per dimension: the training features' mean, and their standard deviation kept off zero (dead ReLU channels). */
    static float[][] standardisation(float[][] features) {
        int dim = features[0].length;
        double[] sum = new double[dim];
        double[] squares = new double[dim];
        for (float[] row : features) {
            for (int d = 0; d < dim; d++) {
                sum[d] += row[d];
                squares[d] += (double) row[d] * row[d];
            }
        }
        float[] mean = new float[dim];
        float[] std = new float[dim];
        double stdSum = 0;
        for (int d = 0; d < dim; d++) {
            mean[d] = (float) (sum[d] / features.length);
            std[d] = (float) Math.sqrt(Math.max(0, squares[d] / features.length - (double) mean[d] * mean[d]));
            stdSum += std[d];
        }
        float floor = (float) Math.max(1e-3 * stdSum / dim, 1e-12);
        for (int d = 0; d < dim; d++) {
            std[d] = Math.max(std[d], floor);
        }
        return new float[][] {mean, std};
    }

    /** Glorot-uniform: U(−a, a) with a = √(6 / (fan in + fan out)); a linear layer's weight is (out, in). */
    private static NDArray glorot(NDManager manager, Shape shape, Random random) {
        long out = shape.get(0);
        long in = shape.dimension() > 1 ? shape.get(1) : 1;
        double bound = Math.sqrt(6.0 / (in + out));
        float[] values = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
        return manager.create(values, shape);
    }
}
