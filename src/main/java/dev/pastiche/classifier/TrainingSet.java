package dev.pastiche.classifier;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import java.util.zip.Deflater;
import java.util.function.Consumer;

/**
 * Labelled images as uploaded, before any is decoded: the classes (sorted, so a class's index does
 * not depend on upload order), each image's class index, and the bytes.
 *
 * @param names how each image is named in messages: {@code image[3]}, or its path in the zip
 */
record TrainingSet(List<String> classes, int[] labels, List<byte[]> images, List<String> names) {

    /** Folders and files a zip may carry besides the images: macOS's resource forks and hidden files. */
    private static final String MAC_RESOURCES = "__MACOSX/";

    int[] counts() {
        return ClassifierRecord.counts(labels, classes.size());
    }

    /** The images as one zip blob, entries in upload order; fixed timestamps, so equal uploads give equal bytes. */
    byte[] pack() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            out.setLevel(Deflater.BEST_SPEED);
            for (int i = 0; i < images.size(); i++) {
                ZipEntry entry = new ZipEntry(String.format("%05d", i));
                entry.setTime(0);
                out.putNextEntry(entry);
                out.write(images.get(i));
                out.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Reads {@link #pack()}'s zip back, {@code batch} images at a time, in order. */
    static void unpack(byte[] packed, int batch, Consumer<List<byte[]>> consumer) {
        List<byte[]> images = new ArrayList<>();
        try (ZipInputStream in = new ZipInputStream(new java.io.ByteArrayInputStream(packed))) {
            while (in.getNextEntry() != null) {
                images.add(in.readAllBytes());
                if (images.size() == batch) {
                    consumer.accept(List.copyOf(images));
                    images.clear();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!images.isEmpty()) {
            consumer.accept(List.copyOf(images));
        }
    }

    /**
     * The i-th {@code label} field labels the i-th {@code image} part.
     *
     * @throws InvalidTrainingSetException when the counts differ or break the limits, or a label is unusable
     */
    static TrainingSet fromParts(List<String> labels, List<byte[]> images, ClassifiersProperties limits) {
        if (images.size() > limits.maxImages()) {
            throw new InvalidTrainingSetException("image", "send at most " + limits.maxImages() + " images, got " + images.size());
        }
        if (labels.size() != images.size()) {
            throw new InvalidTrainingSetException("label", "send one label field per image part, the i-th label for the i-th image; got "
                    + labels.size() + " labels for " + images.size() + " images");
        }
        Map<String, List<Integer>> byLabel = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < labels.size(); i++) {
            byLabel.computeIfAbsent(checkLabel(labels.get(i), "label[" + i + "]", limits), l -> new ArrayList<>()).add(i);
            names.add("image[" + i + "]");
        }
        return of(byLabel.keySet(), labels, images, names, limits);
    }

    /**
     * One zip of folders named by label, each holding that class's PNG or JPEG files, read as it
     * streams in: the entry count and the bytes inflated so far are checked at every step, so a zip
     * bomb stops at the limit; a path that leaves its folder, lies deeper or at the top, or names
     * something other than an image is refused. A folder without images is an empty class.
     */
    static TrainingSet fromZip(InputStream zip, ClassifiersProperties limits) {
        TreeSet<String> folders = new TreeSet<>();
        List<String> labels = new ArrayList<>();
        List<byte[]> images = new ArrayList<>();
        List<String> names = new ArrayList<>();
        long inflated = 0;
        int entries = 0;
        try (ZipInputStream in = new ZipInputStream(zip)) {
            for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                if (++entries > limits.maxZipEntries()) {
                    throw new InvalidTrainingSetException("zip", "holds more than " + limits.maxZipEntries() + " entries");
                }
                String name = entry.getName();
                String[] segments = checkPath(name);
                if (name.startsWith(MAC_RESOURCES) || segments[segments.length - 1].startsWith(".")) {
                    continue;
                }
                if (entry.isDirectory()) {
                    if (segments.length != 1) {
                        throw new InvalidTrainingSetException("zip", "'" + name + "' is a folder inside a folder; put each class's "
                                + "images directly in one folder named by its label");
                    }
                    folders.add(checkLabel(segments[0], "zip '" + name + "'", limits));
                    continue;
                }
                if (segments.length != 2) {
                    throw new InvalidTrainingSetException("zip", "'" + name + "' is not in exactly one folder; put each class's images "
                            + "directly in one folder named by its label");
                }
                String lower = segments[1].toLowerCase(Locale.ROOT);
                if (!(lower.endsWith(".png") || lower.endsWith(".jpg") || lower.endsWith(".jpeg"))) {
                    throw new InvalidTrainingSetException("zip", "'" + name + "' is not a .png, .jpg or .jpeg file; the zip may hold only images");
                }
                if (images.size() == limits.maxImages()) {
                    throw new InvalidTrainingSetException("zip", "holds more than " + limits.maxImages() + " images");
                }
                String label = checkLabel(segments[0], "zip '" + name + "'", limits);
                folders.add(label);
                byte[] bytes = readCapped(in, limits.maxUncompressed().toBytes() - inflated, limits);
                inflated += bytes.length;
                labels.add(label);
                images.add(bytes);
                names.add("zip '" + name + "'");
            }
        } catch (ZipException e) {
            throw new InvalidTrainingSetException("zip", "is not a readable zip file (" + e.getMessage() + "); send a zip of folders named by label");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (entries == 0) {
            throw new InvalidTrainingSetException("zip", "is empty or not a zip file; send a zip of folders named by label");
        }
        return of(folders, labels, images, names, limits);
    }

    /** The entry's path segments, refusing what could leave the archive's root when extracted anywhere. */
    private static String[] checkPath(String name) {
        String trimmed = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
        String[] segments = trimmed.split("/", -1);
        boolean unsafe = name.isEmpty() || name.startsWith("/") || name.contains("\\") || name.contains(":") || name.indexOf('\0') >= 0;
        for (String segment : segments) {
            unsafe |= segment.isEmpty() || segment.equals(".") || segment.equals("..");
        }
        if (unsafe) {
            throw new InvalidTrainingSetException("zip", "the entry '" + name + "' has an unsafe path (absolute, '..', '.', "
                    + "a backslash or a drive); use plain relative paths label/file.png");
        }
        return segments;
    }

    /** An entry's bytes, failing as soon as they pass {@code room} (the zip's remaining allowance). */
    private static byte[] readCapped(InputStream in, long room, ClassifiersProperties limits) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        for (int n; (n = in.read(buffer)) > 0; ) {
            total += n;
            if (total > room) {
                throw new TrainingSetTooLargeException("the zip inflates to more than " + limits.maxUncompressed().toMegabytes()
                        + " MB (pastiche.classifiers.max-uncompressed); send fewer or smaller images");
            }
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    private static String checkLabel(String label, String where, ClassifiersProperties limits) {
        if (label == null || label.isBlank() || label.length() > limits.maxLabelLength()) {
            throw new InvalidTrainingSetException("label", where + ": a label must be 1 to " + limits.maxLabelLength()
                    + " characters and not blank");
        }
        return label;
    }

    private static TrainingSet of(java.util.Collection<String> declared, List<String> labels, List<byte[]> images, List<String> names,
            ClassifiersProperties limits) {
        List<String> classes = List.copyOf(new TreeSet<>(declared));
        if (classes.size() < 2 || classes.size() > limits.maxClasses()) {
            throw new InvalidTrainingSetException("label", "send 2 to " + limits.maxClasses() + " classes, got " + classes.size()
                    + (classes.size() == 1 ? " ('" + classes.get(0) + "')" : ""));
        }
        int[] indices = labels.stream().mapToInt(label -> classes.indexOf(label)).toArray();
        TrainingSet set = new TrainingSet(classes, indices, List.copyOf(images), List.copyOf(names));
        int[] counts = set.counts();
        for (int c = 0; c < counts.length; c++) {
            if (counts[c] == 0) {
                throw new InvalidTrainingSetException("label", "the class '" + classes.get(c) + "' has no images; every class needs at least one");
            }
        }
        return set;
    }
}
