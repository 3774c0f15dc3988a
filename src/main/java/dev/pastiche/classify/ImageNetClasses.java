package dev.pastiche.classify;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The 1000 ImageNet classes in output order, from {@code imagenet/classes.tsv} (its header cites the sources). */
final class ImageNetClasses {

    record ImageNetClass(int index, String wnid, String label) {
    }

    private static final List<ImageNetClass> CLASSES = read();

    private ImageNetClasses() {
    }

    static List<ImageNetClass> all() {
        return CLASSES;
    }

    static ImageNetClass of(int index) {
        return CLASSES.get(index);
    }

    private static List<ImageNetClass> read() {
        List<ImageNetClass> classes = new ArrayList<>();
        try (InputStream in = ImageNetClasses.class.getResourceAsStream("/imagenet/classes.tsv");
                BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                String[] parts = line.split("\t", 2);
                classes.add(new ImageNetClass(classes.size(), parts[0], parts[1]));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (classes.size() != 1000) {
            throw new IllegalStateException("imagenet/classes.tsv holds " + classes.size() + " classes, not 1000");
        }
        return List.copyOf(classes);
    }
}
