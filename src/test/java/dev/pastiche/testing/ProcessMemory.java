package dev.pastiche.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This process's memory as Linux reports it in /proc/self/status, heap and native together. */
public final class ProcessMemory {

    private ProcessMemory() {
    }

    /** Resident set size in bytes, after a GC so that Java garbage does not count. */
    public static long rss() {
        System.gc();
        return field("VmRSS:");
    }

    /** The peak resident set size in bytes. */
    public static long peakRss() {
        return field("VmHWM:");
    }

    private static long field(String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(name)) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no " + name + " in /proc/self/status");
    }
}
