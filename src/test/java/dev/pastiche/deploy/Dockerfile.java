package dev.pastiche.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Dockerfile read into its stages and instructions: enough to check the runtime configuration of
 * an image without a Docker engine. Continuation lines are joined and comments dropped; ARG
 * defaults are substituted into ENV values ({@code ${NAME}}), as the builder would without overrides.
 */
record Dockerfile(List<Stage> stages, Map<String, String> globalArgs) {

    private static final Pattern ARG = Pattern.compile("(\\w+)(?:=\"?([^\"]*)\"?)?");
    private static final Pattern ENV_PAIR = Pattern.compile("(\\w+)=(\"[^\"]*\"|\\S+)");
    private static final Pattern REFERENCE = Pattern.compile("\\$\\{(\\w+)}");

    record Instruction(String keyword, String arguments) {
    }

    record Stage(String from, String name, List<Instruction> instructions) {

        List<String> arguments(String keyword) {
            return instructions.stream().filter(i -> i.keyword().equals(keyword)).map(Instruction::arguments).toList();
        }
    }

    static Dockerfile read(Path path) {
        List<String> lines;
        try {
            lines = Files.readAllLines(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Instruction> instructions = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : lines) {
            String trimmed = line.trim();
            if (trimmed.startsWith("#") || trimmed.isEmpty() && current.isEmpty()) {
                continue;
            }
            if (trimmed.endsWith("\\")) {
                current.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            current.append(trimmed);
            String[] parts = current.toString().split("\\s+", 2);
            instructions.add(new Instruction(parts[0].toUpperCase(), parts.length > 1 ? parts[1].trim() : ""));
            current.setLength(0);
        }

        Map<String, String> globalArgs = new LinkedHashMap<>();
        List<Stage> stages = new ArrayList<>();
        List<Instruction> body = null;
        for (Instruction instruction : instructions) {
            if (instruction.keyword().equals("FROM")) {
                String[] from = instruction.arguments().split("\\s+(?i:as)\\s+");
                body = new ArrayList<>();
                stages.add(new Stage(substitute(from[0], globalArgs), from.length > 1 ? from[1] : null, body));
            } else if (body == null && instruction.keyword().equals("ARG")) {
                Matcher arg = ARG.matcher(instruction.arguments());
                if (arg.matches()) {
                    globalArgs.put(arg.group(1), arg.group(2) == null ? "" : arg.group(2));
                }
            } else if (body != null) {
                body.add(instruction);
            }
        }
        return new Dockerfile(stages, globalArgs);
    }

    Stage runtime() {
        return stages.get(stages.size() - 1);
    }

    /** The runtime stage's environment, with ARG defaults substituted. */
    Map<String, String> runtimeEnv() {
        Map<String, String> env = new LinkedHashMap<>();
        for (String arguments : runtime().arguments("ENV")) {
            Matcher pair = ENV_PAIR.matcher(arguments);
            while (pair.find()) {
                env.put(pair.group(1), substitute(pair.group(2).replace("\"", ""), globalArgs));
            }
        }
        return env;
    }

    private static String substitute(String text, Map<String, String> args) {
        return REFERENCE.matcher(text).replaceAll(m -> Matcher.quoteReplacement(args.getOrDefault(m.group(1), m.group())));
    }
}
