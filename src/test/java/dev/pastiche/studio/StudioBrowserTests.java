package dev.pastiche.studio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.pastiche.testing.ServiceProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The studio page at {@code /} in a real browser: {@code e2e/studio.test.mjs} drives headless Debian
 * chromium with playwright-core against the service, run as its own JVM on random weights with an
 * API key. It submits a small job and sees progress, preview and result; sends the engine options
 * (pooling, style loss, layer weights, averaging, initial iterations) as set, reads them back
 * resolved and restores them into the form; draws, erases and uploads a mask per style, checks their
 * coloured overlay against the grey PNGs sent, and refuses a partial set of masks before sending; sends a
 * colour mode and per-style scales and reads them back resolved; compares two images and shows the
 * distance map at the reference's size, fetched again for another metric and over the reference;
 * compares a set of four images and checks each metric's matrix (symmetric, zero diagonal, the
 * service's numbers) and that the closest pair listed is its smallest entry; reads VGG16's
 * parameter totals and VGG19's block shares, FLOPs and 3×3-stacking table; shows feature maps;
 * classifies an image and checks the bars against the service's answer (the random classifier said so); trains a
 * classifier from a zip of two texture folders, reads its counts, accuracies and confusion matrix, classifies an image
 * and deletes it; checks API problems, keyboard use, axe-core's WCAG 2.1 AA
 * rules and phone width;
 * and saves a screenshot of each page under {@code target/studio-screenshots/}.
 *
 * <p>Needs node (20+) with npm, and Debian's chromium ({@code apt-get install chromium}; {@code .ci/run}
 * installs it); it runs {@code npm ci} in {@code e2e/} itself when the packages are missing. Without them
 * the test fails, unless {@code -Dpastiche.test.browser.optional=true} says the browser tests may be skipped.
 */
class StudioBrowserTests {

    private static final String OPTIONAL = "pastiche.test.browser.optional";
    private static final String API_KEY = "studio-e2e-key";
    private static final Duration START = Duration.ofSeconds(180);
    private static final Duration LIMIT = Duration.ofMinutes(6);

    private final Path root = Path.of("").toAbsolutePath();
    private final Path chromium = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));

    @Test
    void theStudioWorksInHeadlessChromium(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        List<String> missing = missingTools();
        if (!missing.isEmpty()) {
            String message = "the browser tests need " + String.join(", ", missing)
                    + " (.ci/run installs chromium: apt-get install chromium)";
            Assumptions.assumeFalse(Boolean.getBoolean(OPTIONAL), message + "; skipped because -D" + OPTIONAL + "=true");
            fail(message + "; or run with -D" + OPTIONAL + "=true to skip them");
        }
        String h2 = "jdbc:h2:file:" + dir.resolve("db") + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_ON_EXIT=FALSE";
        try (ServiceProcess service = ServiceProcess.start("studio", dir, "--spring.datasource.url=" + h2,
                "--pastiche.storage.root=" + dir.resolve("blobs"), "--pastiche.security.api-keys=" + API_KEY,
                // the classifier's textures are 64²: features at that size take a fraction of 224²'s time
                "--pastiche.classifiers.input-size=64")) {
            service.awaitReady(START);
            Result result = runBrowserTests("http://127.0.0.1:" + service.port());
            assertThat(result.exitCode()).as("node e2e/studio.test.mjs exit status; its output:\n%s\n%s", result.output(),
                    service.logTail(40)).isZero();
        }
    }

    private List<String> missingTools() {
        List<String> missing = new ArrayList<>();
        try {
            Process node = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            String version = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!node.waitFor(30, TimeUnit.SECONDS) || node.exitValue() != 0) {
                missing.add("node");
            } else if (Integer.parseInt(version.replaceFirst("^v(\\d+).*$", "$1")) < 20) {
                missing.add("node 20 or later (found " + version + ")");
            }
        } catch (IOException | NumberFormatException e) {
            missing.add("node");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            missing.add("node");
        }
        if (!Files.isExecutable(chromium)) {
            missing.add("chromium at " + chromium);
        }
        // only when it can be used: nothing is fetched for a test that fails or is skipped anyway
        if (missing.isEmpty() && !Files.isDirectory(root.resolve("e2e/node_modules/playwright-core"))) {
            installNodeModules().ifPresent(why -> missing.add("playwright-core in e2e/node_modules (" + why + ")"));
        }
        return missing;
    }

    /**
     * {@code npm ci} in {@code e2e/}, as Maven fetches jars: the locked packages from the npm registry,
     * never a browser (playwright-core downloads none). Empty when it worked, else why not.
     */
    private java.util.Optional<String> installNodeModules() {
        try {
            ProcessBuilder builder = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(root.resolve("e2e").toFile())
                    .redirectErrorStream(true);
            builder.environment().put("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
            Process npm = builder.start();
            String output = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!npm.waitFor(5, TimeUnit.MINUTES) || npm.exitValue() != 0) {
                return java.util.Optional.of("npm ci in e2e failed: " + output.strip());
            }
            return java.util.Optional.empty();
        } catch (IOException e) {
            return java.util.Optional.of("npm ci could not run: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return java.util.Optional.of("interrupted");
        }
    }

    private record Result(int exitCode, String output) {
    }

    /** Runs the browser script, echoing its lines as they come (each step and its time). */
    private Result runBrowserTests(String baseUrl) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder("node", root.resolve("e2e/studio.test.mjs").toString(), baseUrl)
                .directory(root.toFile()).redirectErrorStream(true);
        builder.environment().put("STUDIO_API_KEY", API_KEY);
        builder.environment().put("STUDIO_SCREENSHOTS", root.resolve("target/studio-screenshots").toString());
        builder.environment().put("CHROMIUM", chromium.toString());
        Process process = builder.start();
        StringBuilder output = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    System.out.println("[studio e2e] " + line);
                    synchronized (output) {
                        output.append(line).append('\n');
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "studio-e2e-output");
        reader.start();
        if (!process.waitFor(LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            reader.join(5000);
            fail("the browser tests did not finish within " + LIMIT + "; their output:\n" + output);
        }
        reader.join(5000);
        synchronized (output) {
            return new Result(process.exitValue(), output.toString());
        }
    }
}
