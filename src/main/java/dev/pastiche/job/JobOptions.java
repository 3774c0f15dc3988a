package dev.pastiche.job;

import dev.pastiche.transfer.ResolvedOptions;
import java.util.Locale;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A job's options as stored and reported: the engine's resolved options plus what only the job
 * needs.
 *
 * @param outputFormat {@code png} or {@code jpeg}
 * @param webhook where to announce the end of the job, or null
 */
public record JobOptions(ResolvedOptions transfer, String outputFormat, Webhook webhook) {

    /** The values of {@code outputFormat}; the first is the default. */
    public static final java.util.List<String> FORMATS = java.util.List.of("png", "jpeg");

    public static String checkFormat(String format) {
        String f = format == null ? FORMATS.get(0) : format.toLowerCase(Locale.ROOT);
        if (!FORMATS.contains(f)) {
            throw new IllegalArgumentException("outputFormat must be png or jpeg, got " + format);
        }
        return f;
    }

    /** The options as one flat object, as a user would send them: reported with the job and in its recipe. */
    public ObjectNode toJson(JsonMapper json) {
        ObjectNode node = json.valueToTree(transfer);
        node.put("outputFormat", outputFormat);
        if (webhook != null) {
            node.set("webhook", json.valueToTree(webhook));
        }
        return node;
    }
}
