package dev.pastiche.transfer;

import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * Options for tests, named as API.md names them and turned into {@link TransferOptions} as a
 * request's JSON would be, so that no option is spelt out a second time for tests.
 */
public final class OptionsBuilder {

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
        return JsonMapper.shared().convertValue(values, TransferOptions.class);
    }
}
