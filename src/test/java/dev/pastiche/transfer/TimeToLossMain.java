package dev.pastiche.transfer;

import dev.pastiche.image.RgbImage;
import dev.pastiche.perception.PerceptionModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The time-to-loss part of the benchmark, in a fresh JVM: {@code SIZE ITERATIONS SCALES
 * [INITIAL…] [OPTIMIZER] [carry]} → one JSON line per run ({@code carry} adds an Adam run whose
 * moments are carried into every next stage, resized, instead of restarted). Single-scale Adam and L-BFGS run
 * {@code ITERATIONS} iterations; their final total loss is the target that each multi-scale run of
 * the same optimiser ({@code SCALES} stages, the lower ones running each {@code INITIAL}
 * iterations — the default schedule when none is given — and the last up to {@code ITERATIONS})
 * is stopped at, through the cancellation hook, as soon as its full-size stage reaches it. Each
 * line carries the full-size stage's loss trace against seconds since the run began (targets and
 * lower stages included).
 */
public final class TimeToLossMain {

    private TimeToLossMain() {
    }

    private record Point(double seconds, double loss) {
    }

    private record Run(String name, double seconds, double finalLoss, Double secondsToTarget, List<Point> trace) {

        String json() {
            StringBuilder points = new StringBuilder();
            for (Point p : trace) {
                points.append(points.isEmpty() ? "" : ",").append(String.format(Locale.ROOT, "[%.2f,%.6g]", p.seconds(), p.loss()));
            }
            return String.format(Locale.ROOT, "{\"run\": \"%s\", \"seconds\": %.2f, \"finalLoss\": %.6g, \"secondsToTarget\": %s, \"trace\": [%s]}",
                    name, seconds, finalLoss, secondsToTarget == null ? "null" : String.format(Locale.ROOT, "%.2f", secondsToTarget), points);
        }
    }

    public static void main(String[] args) throws Exception {
        int size = Integer.parseInt(args[0]);
        int iterations = Integer.parseInt(args[1]);
        int scales = Integer.parseInt(args[2]);
        List<Integer> initials = new ArrayList<>();
        List<OptimizerType> optimizers = new ArrayList<>();
        boolean carry = false;
        for (String arg : List.of(args).subList(3, args.length)) {
            if (arg.equals("carry")) {
                carry = true;
            } else if (arg.chars().allMatch(Character::isDigit)) {
                initials.add(Integer.parseInt(arg));
            } else {
                optimizers.add(OptimizerType.valueOf(arg.toUpperCase(Locale.ROOT)));
            }
        }
        if (initials.isEmpty()) {
            initials.add(null);
        }
        if (optimizers.isEmpty()) {
            optimizers.addAll(List.of(OptimizerType.ADAM, OptimizerType.LBFGS));
        }
        Path dir = Files.createTempDirectory("pastiche-bench");
        RgbImage content = TransferFixtures.picture(size, size * 3 / 4, 1);
        RgbImage style = TransferFixtures.picture(size, size, 2);
        try (PerceptionModel model = TransferFixtures.randomModel(dir)) {
            StyleTransferEngine engine = TransferFixtures.engine(model);
            for (OptimizerType optimizer : optimizers) {
                String name = optimizer.name().toLowerCase(Locale.ROOT);
                Run single = run(engine, content, style, size, iterations, 1, null, optimizer, Double.NEGATIVE_INFINITY, name + " ×1");
                System.out.println(single.json());
                for (Integer initial : initials) {
                    Run multi = run(engine, content, style, size, iterations, scales, initial, optimizer, single.finalLoss(),
                            name + " ×" + scales + (initial == null ? "" : " (" + initial + " at the lower stages)"));
                    System.out.println(multi.json());
                }
                if (carry && optimizer == OptimizerType.ADAM) {
                    StyleTransferEngine carrying = TransferFixtures.engine(model).carryingAdamMoments();
                    System.out.println(run(carrying, content, style, size, iterations, scales, initials.get(0), optimizer, single.finalLoss(),
                            name + " ×" + scales + ", moments carried across stages").json());
                }
            }
        }
    }

    /** One run; stops once the full-size stage's loss is at or below {@code target}. */
    private static Run run(StyleTransferEngine engine, RgbImage content, RgbImage style, int size, int iterations, int scales,
            Integer initialIterations, OptimizerType optimizer, double target, String name) {
        OptionsBuilder builder = OptionsBuilder.options().with("size", size).with("iterations", iterations).with("scales", scales)
                .with("optimizer", optimizer).with("seed", 1).with("previewEvery", Integer.MAX_VALUE);
        if (initialIterations != null) {
            builder.with("initialIterations", initialIterations);
        }
        TransferOptions options = builder.build();
        List<Point> trace = new ArrayList<>();
        AtomicBoolean reached = new AtomicBoolean();
        long start = System.nanoTime();
        TransferListener listener = new TransferListener() {
            @Override
            public void progress(TransferProgress progress) {
                if (progress.scale() == progress.scales()) {
                    trace.add(new Point((System.nanoTime() - start) / 1e9, progress.losses().total()));
                    if (progress.losses().total() <= target) {
                        reached.set(true);
                    }
                }
            }
        };
        try {
            engine.run(TransferFixtures.request(engine, content, List.of(style), options), listener, reached::get);
        } catch (TransferCancelledException stoppedAtTarget) {
            // the target was reached: the hook stopped the run there
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Point last = trace.get(trace.size() - 1);
        Double toTarget = trace.stream().filter(p -> p.loss() <= target).map(Point::seconds).findFirst().orElse(null);
        return new Run(name, seconds, last.loss(), toTarget, trace);
    }
}
