package dev.pastiche.transfer;

import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Options for tests, named as API.md names them and turned into {@link TransferOptions} as a
 * request's JSON would be, so that no option is spelt out a second time for tests.
 */
public final class OptionsBuilder {

    /** As application.yml configures Spring's mapper for input: enum values in any case. */
    private static final JsonMapper JSON = JsonMapper.builder().enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS).build();

    private final Map<String, Object> values = new LinkedHashMap<>();

    public static OptionsBuilder options() {
        return new OptionsBuilder();
    }

    /** Sets an option; a later value for the same name replaces the earlier one. */
    public OptionsBuilder with(String option, Object value) {
        values.put(option, value);
        return this;
    }

    public TransferOptions build() {
        return JSON.convertValue(values, TransferOptions.class);
    }
}
