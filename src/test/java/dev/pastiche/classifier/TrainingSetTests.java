package dev.pastiche.classifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pastiche.testing.Textures;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/** Reading labelled images from a zip, and the held-out split: no model, no service. */
class TrainingSetTests {

    private static final ClassifiersProperties LIMITS = new ClassifiersProperties(3, 10, 20, DataSize.ofKilobytes(64), 20, 20, 224, 16);
    private static final byte[] A = {1, 2, 3};
    private static final byte[] B = {4, 5};

    @Test
    void classesAreTheSortedFoldersAndMacOsExtrasAreSkipped() {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("zebra/1.PNG", A);
        entries.put("__MACOSX/zebra/._1.PNG", B);
        entries.put("apple/", new byte[0]);
        entries.put("apple/.DS_Store", B);
        entries.put("apple/2.jpeg", B);
        entries.put("zebra/3.jpg", A);
        TrainingSet set = TrainingSet.fromZip(zip(entries), LIMITS);

        assertThat(set.classes()).containsExactly("apple", "zebra");
        assertThat(set.labels()).containsExactly(1, 0, 1);
        assertThat(set.names()).containsExactly("zip 'zebra/1.PNG'", "zip 'apple/2.jpeg'", "zip 'zebra/3.jpg'");

        List<byte[]> unpacked = new ArrayList<>();
        TrainingSet.unpack(set.pack(), 2, unpacked::addAll);
        assertThat(unpacked).containsExactly(A, B, A);
        assertThat(set.pack()).as("equal uploads, equal blobs").isEqualTo(TrainingSet.fromZip(zip(entries), LIMITS).pack());
    }

    @Test
    void aZipBombStopsAtTheLimitWithoutInflatingTheRest() {
        // 64 kB allowed; the entry inflates to 8 MB, but reading stops just past 64 kB
        Map<String, byte[]> entries = Map.of("a/bomb.png", new byte[8 << 20], "b/x.png", A);
        byte[] zip = Textures.zip(entries);
        assertThat(zip.length).isLessThan(100_000);
        assertThatThrownBy(() -> TrainingSet.fromZip(new ByteArrayInputStream(zip), LIMITS))
                .isInstanceOf(TrainingSetTooLargeException.class).hasMessageContaining("max-uncompressed");
    }

    @Test
    void pathsThatLeaveTheirFolderAreRefused() {
        for (String name : List.of("../x.png", "a/../../x.png", "/x/y.png", "a\\..\\x.png", "C:/a/x.png", "a/./x.png", "a//x.png")) {
            assertThatThrownBy(() -> TrainingSet.fromZip(zip(Map.of(name, A, "b/y.png", B)), LIMITS)).as(name)
                    .isInstanceOf(InvalidTrainingSetException.class).hasMessageContaining("unsafe path");
        }
    }

    @Test
    void limitsAreCountedWhileReading() {
        Map<String, byte[]> many = new LinkedHashMap<>();
        for (int i = 0; i < 11; i++) {
            many.put((i % 2 == 0 ? "a/" : "b/") + i + ".png", A);
        }
        assertThatThrownBy(() -> TrainingSet.fromZip(zip(many), LIMITS)).hasMessageContaining("more than 10 images");
        Map<String, byte[]> classes = new LinkedHashMap<>();
        for (String label : List.of("a", "b", "c", "d")) {
            classes.put(label + "/1.png", A);
        }
        assertThatThrownBy(() -> TrainingSet.fromZip(zip(classes), LIMITS)).hasMessageContaining("send 2 to 3 classes, got 4");
        assertThatThrownBy(() -> TrainingSet.fromParts(List.of("a", "b"), List.of(A), LIMITS)).hasMessageContaining("2 labels for 1 images");
        assertThatThrownBy(() -> TrainingSet.fromParts(List.of("a", " "), List.of(A, B), LIMITS)).hasMessageContaining("label[1]");
    }

    @Test
    void theSplitIsStratifiedSeededAndTrainsOnEveryClass() {
        int[] labels = new int[43];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i < 20 ? 0 : i < 40 ? 1 : 2;
        }
        Split split = Split.of(labels, 3, 0.2, 11);
        assertThat(Arrays.stream(split.heldOut()).map(i -> labels[i])).containsExactlyInAnyOrder(0, 0, 0, 0, 1, 1, 1, 1, 2);
        assertThat(split.training().length + split.heldOut().length).isEqualTo(43);
        assertThat(Split.of(labels, 3, 0.2, 11).heldOut()).isEqualTo(split.heldOut());
        assertThat(Split.of(labels, 3, 0.2, 12).heldOut()).isNotEqualTo(split.heldOut());
        assertThat(Split.of(new int[] {0, 1}, 2, 0.5, 1).heldOut()).as("a class of one image is never held out").isEmpty();
    }

    private static InputStream zip(Map<String, byte[]> entries) {
        return new ByteArrayInputStream(Textures.zip(entries));
    }
}
