package dev.pastiche.vgg.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Hex SHA-256 digests of files. */
final class Sha256 {

    private Sha256() {
    }

    static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    static String of(Path file) throws IOException {
        MessageDigest digest = digest();
        byte[] buffer = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    static void check(String expected, String actual, Object what) {
        if (expected != null && !expected.isBlank() && !expected.trim().equalsIgnoreCase(actual)) {
            throw new WeightsException(what + " has SHA-256 " + actual + " but pastiche.weights.sha256 expects "
                    + expected.trim() + "; replace the file or correct the setting");
        }
    }
}
