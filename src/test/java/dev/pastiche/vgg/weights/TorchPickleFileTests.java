package dev.pastiche.vgg.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** torch.save files in both formats against what PyTorch says they hold (make_torch_pickle_fixtures.py). */
class TorchPickleFileTests {

    @TempDir
    Path dir;

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"state-zip.pth", "state-legacy.pth"})
    void readsEveryTensorAsPyTorchWroteItViewsSharedStoragesHalfAndDoubleIncluded(String name) throws IOException {
        Path file = resource(name);
        NDList expected;
        try (InputStream in = getClass().getResourceAsStream("/torch/state-expected.npz")) {
            expected = NDList.decode(manager, in);
        }
        try (TensorFile pth = new TorchPickleFile(file)) {
            assertThat(pth.keys()).containsExactlyInAnyOrder("lin0.model.1.weight", "features.0.weight", "transposed", "shared.a",
                    "shared.b", "half", "double");
            for (NDArray want : expected) {
                NDArray got = pth.read(want.getName(), manager);
                assertThat(pth.shape(want.getName())).as(want.getName()).isEqualTo(want.getShape());
                assertThat(got.getShape()).isEqualTo(want.getShape());
                assertThat(got.toFloatArray()).as(want.getName()).containsExactly(want.toFloatArray());
            }
        }
    }

    @Test
    void theLoaderTellsBothFormatsFromNpzAndSafetensorsByTheirBytes() throws IOException {
        Map<String, Shape> required = Map.of("lin0.model.1.weight", new Shape(1, 8, 1, 1));
        for (String name : new String[] {"state-zip.pth", "state-legacy.pth"}) {
            LoadedWeights loaded = new WeightsLoader(ReferenceWeights.file(resource(name))).load(required, manager);
            assertThat(loaded.tensors().get("lin0.model.1.weight").getShape()).isEqualTo(new Shape(1, 8, 1, 1));
        }
    }

    @Test
    void aPickleThatIsNoStateDictIsRefusedWithItsReason() throws IOException {
        // a bare protocol-2 pickle of the int 1: not what torch.save writes
        Path file = Files.write(dir.resolve("bare.pth"), new byte[] {(byte) 0x80, 2, 'K', 1, '.'});
        assertThatThrownBy(() -> new TorchPickleFile(file)).isInstanceOf(WeightsException.class)
                .hasMessageContaining("cannot read").hasMessageContaining("torch.save");
    }

    @Test
    void aTruncatedLegacyFileIsRefusedNotReadShort() throws IOException {
        byte[] whole = Files.readAllBytes(resource("state-legacy.pth"));
        Path file = Files.write(dir.resolve("cut.pth"), java.util.Arrays.copyOf(whole, whole.length - 7));
        assertThatThrownBy(() -> new TorchPickleFile(file)).isInstanceOf(WeightsException.class)
                .hasMessageContaining("ends inside storage");
    }

    private Path resource(String name) throws IOException {
        Path file = dir.resolve(name);
        try (InputStream in = getClass().getResourceAsStream("/torch/" + name)) {
            Files.copy(in, file);
        }
        return file;
    }
}
