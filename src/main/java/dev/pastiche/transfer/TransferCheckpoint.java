package dev.pastiche.transfer;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A running transfer's state after an iteration, enough to go on from there in another process:
 * the image as float data, where it stands (stage, iteration, the iterations and evaluations spent
 * before), Adam's moments and step count, the averaged image if one is kept, and what the state
 * belongs to (stage count, image size, optimiser, seed), so that it is never applied to another
 * run. The only random state of a run is the noise of {@code init: noise}, drawn from the seed
 * before the first iteration: after it a run has none, and the seed is kept to check the match.
 * L-BFGS's history is not kept: at up to 2 × 100 image-sized vectors it would be 200 times the
 * image, so a resumed L-BFGS stage restarts its history at the checkpoint (the recipe says so).
 * Every array is a Java copy: nothing native outlives the iteration that wrote it.
 *
 * @param stage 0-based stage the run is in
 * @param iteration iterations done in that stage
 * @param iterationsBefore iterations of the stages before it
 * @param evaluations objective evaluations of the whole run so far
 * @param stageEvaluations of those, the ones spent in this stage (L-BFGS's budget is per stage)
 * @param width of the stage's image
 * @param image the current iterate, NCHW with N = 1, in [0, 1]
 * @param adam Adam's state, or null for L-BFGS
 * @param average the moving average of the image, or null when none is kept
 * @param resumes how often the run had resumed before this checkpoint was written
 */
public record TransferCheckpoint(int stage, int stages, int iteration, int iterationsBefore, int evaluations, int stageEvaluations, int width, int height,
        OptimizerType optimizer, long seed, float[] image, AdamState adam, AverageState average, int resumes) {

    private static final byte[] MAGIC = "pastiche-checkpoint".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;

    public TransferCheckpoint {
        int size = 3 * width * height;
        check(image.length == size, "image");
        check(adam == null || adam.m().length == size && adam.v().length == size, "Adam's moments");
        check(average == null || average.biased().length == size, "average");
    }

    /** Adam's moments and step count ({@code torch.optim.Adam}'s {@code exp_avg}, {@code exp_avg_sq}, {@code step}). */
    public record AdamState(int step, float[] m, float[] v) {
    }

    /** {@link ImageAverage}'s biased sum and its accumulated decay. */
    public record AverageState(double accumulated, float[] biased) {
    }

    /** The bytes stored: a header, then the arrays as big-endian floats. */
    public byte[] toBytes() {
        int arrays = 1 + (adam == null ? 0 : 2) + (average == null ? 0 : 1);
        ByteBuffer out = ByteBuffer.allocate(MAGIC.length + 128 + optimizer.name().length() + arrays * 4 * image.length);
        out.put(MAGIC).putInt(VERSION);
        out.putInt(stage).putInt(stages).putInt(iteration).putInt(iterationsBefore).putInt(evaluations).putInt(stageEvaluations).putInt(width).putInt(height)
                .putLong(seed).putInt(resumes);
        byte[] name = optimizer.name().getBytes(StandardCharsets.US_ASCII);
        out.putInt(name.length).put(name);
        floats(out, image);
        out.put((byte) (adam == null ? 0 : 1));
        if (adam != null) {
            out.putInt(adam.step());
            floats(out, adam.m());
            floats(out, adam.v());
        }
        out.put((byte) (average == null ? 0 : 1));
        if (average != null) {
            out.putDouble(average.accumulated());
            floats(out, average.biased());
        }
        byte[] bytes = new byte[out.position()];
        out.flip().get(bytes);
        return bytes;
    }

    /**
     * Reads what {@link #toBytes()} wrote.
     *
     * @throws IllegalArgumentException when the bytes are not a checkpoint of this version, or are cut short
     */
    public static TransferCheckpoint fromBytes(byte[] bytes) {
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            byte[] magic = new byte[MAGIC.length];
            in.get(magic);
            check(Arrays.equals(magic, MAGIC) && in.getInt() == VERSION, "header");
            int stage = in.getInt();
            int stages = in.getInt();
            int iteration = in.getInt();
            int iterationsBefore = in.getInt();
            int evaluations = in.getInt();
            int stageEvaluations = in.getInt();
            int width = in.getInt();
            int height = in.getInt();
            long seed = in.getLong();
            int resumes = in.getInt();
            byte[] name = new byte[in.getInt()];
            in.get(name);
            OptimizerType optimizer = OptimizerType.valueOf(new String(name, StandardCharsets.US_ASCII));
            int size = 3 * width * height;
            check(width > 0 && height > 0 && (long) 4 * size <= in.remaining(), "image size");
            float[] image = floats(in, size);
            AdamState adam = in.get() == 1 ? new AdamState(in.getInt(), floats(in, size), floats(in, size)) : null;
            AverageState average = in.get() == 1 ? new AverageState(in.getDouble(), floats(in, size)) : null;
            check(!in.hasRemaining(), "length");
            return new TransferCheckpoint(stage, stages, iteration, iterationsBefore, evaluations, stageEvaluations, width, height, optimizer, seed, image, adam,
                    average, resumes);
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not a readable transfer checkpoint (" + e.getMessage() + ")", e);
        }
    }

    private static void floats(ByteBuffer out, float[] values) {
        out.asFloatBuffer().put(values);
        out.position(out.position() + 4 * values.length);
    }

    private static float[] floats(ByteBuffer in, int count) {
        float[] values = new float[count];
        in.asFloatBuffer().get(values);
        in.position(in.position() + 4 * count);
        return values;
    }

    private static void check(boolean condition, String what) {
        if (!condition) {
            throw new IllegalArgumentException("checkpoint " + what + " does not match");
        }
    }
}
