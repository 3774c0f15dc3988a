package dev.pastiche.web;

import dev.pastiche.classifier.ClassifierOptions;
import dev.pastiche.job.JobOptions;
import dev.pastiche.job.JobStatus;
import dev.pastiche.job.Webhook;
import dev.pastiche.transfer.OptionRange;
import dev.pastiche.transfer.TransferOptions;
import dev.pastiche.transfer.TransferProperties;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.examples.Example;
import io.swagger.v3.oas.models.headers.Header;
import io.swagger.v3.oas.models.media.ArraySchema;
import io.swagger.v3.oas.models.media.BooleanSchema;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.Encoding;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.NumberSchema;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springdoc.core.customizers.OperationCustomizer;
import org.springframework.core.MethodParameter;
import org.springframework.core.io.ClassPathResource;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.multipart.MultipartFile;
import tools.jackson.databind.json.JsonMapper;

/**
 * Makes the OpenAPI document tell the truth about every operation (issue 18), whichever
 * controller declares it: the problems it can answer, as one shared RFC 9457 {@code Problem}
 * schema under {@code application/problem+json}, inferred from the operation's shape (every
 * {@code /v1} call can meet the key check and the rate limit; parameters can be invalid; a path
 * id can be unknown; an upload can be too large, of the wrong type or not an image) plus what its
 * {@link Problems} annotation adds; the headers every answer carries; and multipart bodies spelt
 * out part by part, with the {@code options} part's schema drawn from the checks that run on it
 * ({@link TransferOptions#ranges}, the option enums as the API's JSON spells them).
 */
@Component
class OpenApiContract implements OperationCustomizer, OpenApiCustomizer {

    static final String PROBLEM = "Problem";
    static final String STYLE_TRANSFER_OPTIONS = "StyleTransferOptions";
    static final String CLASSIFIER_OPTIONS = "ClassifierOptions";
    static final String PROBLEM_JSON = org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON_VALUE;
    static final String WEIGHTS_HEADER = "Pastiche-Weights";
    /** What the image parts accept: the type is sniffed from the bytes (API.md), these are the ones decoded. */
    static final String IMAGE_TYPES = "image/png, image/jpeg";

    private static final Set<ProblemType> RETRY_AFTER = EnumSet.of(ProblemType.RATE_LIMITED, ProblemType.QUEUE_FULL,
            ProblemType.STORAGE_UNAVAILABLE);

    private final TransferProperties transfer;
    private final JsonMapper json;

    OpenApiContract(TransferProperties transfer, JsonMapper json) {
        this.transfer = transfer;
        this.json = json;
    }

    // --- operations ---------------------------------------------------------------------------------------

    @Override
    public Operation customize(Operation operation, HandlerMethod handler) {
        boolean multipart = documentForm(operation, handler);
        Set<ProblemType> problems = EnumSet.of(ProblemType.UNAUTHORIZED, ProblemType.RATE_LIMITED, ProblemType.INTERNAL);
        boolean parameters = Arrays.stream(handler.getMethodParameters()).anyMatch(p -> p.hasParameterAnnotation(RequestParam.class)
                || p.hasParameterAnnotation(org.springframework.web.bind.annotation.RequestPart.class)
                || p.hasParameterAnnotation(org.springframework.web.bind.annotation.RequestHeader.class));
        if (parameters || operation.getRequestBody() != null) {
            problems.add(ProblemType.VALIDATION);
        }
        if (Arrays.stream(handler.getMethodParameters()).anyMatch(p -> p.hasParameterAnnotation(PathVariable.class))) {
            problems.add(ProblemType.NOT_FOUND);
        }
        if (multipart) {
            problems.addAll(List.of(ProblemType.VALIDATION, ProblemType.PAYLOAD_TOO_LARGE, ProblemType.UNSUPPORTED_MEDIA_TYPE));
            if (Arrays.stream(handler.getMethodParameters()).anyMatch(OpenApiContract::isFile)) {
                problems.addAll(List.of(ProblemType.INVALID_IMAGE, ProblemType.IMAGE_TOO_LARGE));
            }
        }
        Problems declared = handler.getMethodAnnotation(Problems.class);
        if (declared != null) {
            problems.addAll(List.of(declared.value()));
        }
        ApiResponses responses = operation.getResponses();
        responses.values().forEach(OpenApiContract::commonHeaders);
        successExample(operation);
        Map<Integer, List<ProblemType>> byStatus = new TreeMap<>();
        problems.forEach(type -> byStatus.computeIfAbsent(type.status().value(), s -> new ArrayList<>()).add(type));
        byStatus.forEach((status, types) -> responses.addApiResponse(Integer.toString(status), problemResponse(types)));
        return operation;
    }

    private static ApiResponse problemResponse(List<ProblemType> types) {
        MediaType media = new MediaType().schema(new Schema<>().$ref(PROBLEM));
        for (ProblemType type : types) {
            media.addExamples(type.slug(), new Example().summary(type.title()).value(example(type)));
        }
        ApiResponse response = new ApiResponse().description(String.join("; ", types.stream()
                        .map(t -> "`" + t.slug() + "`: " + ProblemDescriptions.of(t)).toList()))
                .content(new Content().addMediaType(PROBLEM_JSON, media));
        if (types.contains(ProblemType.UNAUTHORIZED)) {
            response.addHeaderObject(HttpHeaders.WWW_AUTHENTICATE, new Header().description("The scheme to authenticate with")
                    .schema(new StringSchema()._enum(List.of("Bearer"))));
        }
        if (types.stream().anyMatch(RETRY_AFTER::contains)) {
            response.addHeaderObject(HttpHeaders.RETRY_AFTER, new Header().description("Seconds to wait before retrying")
                    .schema(new IntegerSchema().minimum(BigDecimal.ONE)));
        }
        return commonHeaders(response);
    }

    private static Map<String, Object> example(ProblemType type) {
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("type", type.uri().toString());
        problem.put("title", type.title());
        problem.put("status", type.status().value());
        problem.put("detail", ProblemDescriptions.example(type));
        problem.put("instance", ProblemDescriptions.exampleInstance(type));
        if (type == ProblemType.VALIDATION) {
            problem.put("errors", List.of(Map.of("field", "iterations", "message", "must be between 1 and 5000, got 0")));
        }
        return problem;
    }

    /** Headers any answer of a /v1 operation may carry (WeightsHeaderFilter, RateLimitFilter). */
    private static ApiResponse commonHeaders(ApiResponse response) {
        return response
                .addHeaderObject(WEIGHTS_HEADER, new Header().description("`random` when the network runs on untrained weights "
                        + "(pastiche.weights.source=random or its fallback): its numbers then mean nothing; absent on pretrained weights")
                        .schema(new StringSchema()._enum(List.of("random"))))
                .addHeaderObject(RateLimitFilter.REMAINING, new Header().description("Requests left in this API key's bucket "
                        + "(pastiche.security.rate-limit); absent when the limit is off or the API is open")
                        .schema(new IntegerSchema().minimum(BigDecimal.ZERO)));
    }

    /**
     * A multipart body as its parts: form fields join the files in the body's schema (Spring reads
     * {@code @RequestParam} from either), image parts say their media types, JSON parts their schema.
     *
     * @return whether the body is multipart
     */
    private static boolean documentForm(Operation operation, HandlerMethod handler) {
        if (operation.getRequestBody() == null || operation.getRequestBody().getContent() == null) {
            return false;
        }
        MediaType form = operation.getRequestBody().getContent().get(org.springframework.http.MediaType.MULTIPART_FORM_DATA_VALUE);
        if (form == null || form.getSchema() == null) {
            return false;
        }
        Schema<?> body = form.getSchema();
        operation.getRequestBody().setRequired(true);
        for (MethodParameter parameter : handler.getMethodParameters()) {
            RequestParam field = parameter.getParameterAnnotation(RequestParam.class);
            if (field != null) {
                String name = field.name().isEmpty() ? field.value() : field.name();
                Parameter query = operation.getParameters() == null ? null
                        : operation.getParameters().stream().filter(p -> p.getName().equals(name) && "query".equals(p.getIn()))
                                .findFirst().orElse(null);
                if (query != null) {
                    operation.getParameters().remove(query);
                    Schema<?> schema = query.getSchema();
                    if (query.getDescription() != null) {
                        schema.description(query.getDescription());
                    }
                    body.addProperty(name, schema);
                    if (Boolean.TRUE.equals(query.getRequired())) {
                        body.addRequiredItem(name);
                    }
                }
            }
            JsonPart jsonPart = parameter.getParameterAnnotation(JsonPart.class);
            org.springframework.web.bind.annotation.RequestPart part =
                    parameter.getParameterAnnotation(org.springframework.web.bind.annotation.RequestPart.class);
            if (part == null) {
                continue;
            }
            String name = part.name().isEmpty() ? part.value() : part.name();
            if (jsonPart != null) {
                body.addProperty(name, new Schema<>().$ref(jsonPart.value()));
                form.addEncoding(name, new Encoding().contentType(org.springframework.http.MediaType.APPLICATION_JSON_VALUE));
            } else if (isFile(parameter)) {
                PartMediaType declared = parameter.getParameterAnnotation(PartMediaType.class);
                form.addEncoding(name, new Encoding().contentType(declared != null ? declared.value() : IMAGE_TYPES));
            }
        }
        if (operation.getParameters() != null && operation.getParameters().isEmpty()) {
            operation.setParameters(null);
        }
        return true;
    }

    /**
     * A real answer as the success response's example: {@code openapi/examples/<operationId>.json},
     * recorded from a running service by scripts/openapi/record_examples.sh (never written by hand).
     */
    private void successExample(Operation operation) {
        if (operation.getOperationId() == null || operation.getResponses() == null) {
            return;
        }
        ClassPathResource recorded = new ClassPathResource("openapi/examples/" + operation.getOperationId() + ".json");
        if (!recorded.exists()) {
            return;
        }
        Object example;
        try (InputStream in = recorded.getInputStream()) {
            example = json.readValue(in, Object.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + recorded.getPath(), e);
        }
        operation.getResponses().forEach((status, response) -> {
            if (status.startsWith("2") && response.getContent() != null) {
                MediaType media = response.getContent().get(org.springframework.http.MediaType.APPLICATION_JSON_VALUE);
                if (media == null) {
                    media = response.getContent().get("*/*");
                }
                if (media != null) {
                    media.setExample(example);
                }
            }
        });
    }

    private static boolean isFile(MethodParameter parameter) {
        Class<?> type = parameter.getParameterType();
        if (MultipartFile.class.isAssignableFrom(type)) {
            return true;
        }
        return List.class.isAssignableFrom(type) && parameter.getGenericParameterType() instanceof ParameterizedType list
                && list.getActualTypeArguments()[0] == MultipartFile.class;
    }

    // --- the document -------------------------------------------------------------------------------------

    @Override
    public void customise(OpenAPI openApi) {
        openApi.getComponents().addSchemas(PROBLEM, problemSchema());
        openApi.getComponents().addSchemas(STYLE_TRANSFER_OPTIONS, styleTransferOptions());
        openApi.getComponents().addSchemas(CLASSIFIER_OPTIONS, classifierOptions());
        Schema<?> job = openApi.getComponents().getSchemas().get("JobView");
        if (job != null && job.getProperties() != null && job.getProperties().get("status") instanceof StringSchema status) {
            status._enum(Arrays.stream(JobStatus.values()).map(JobStatus::label).toList());
        }
    }

    private static Schema<?> problemSchema() {
        Schema<?> fieldError = new ObjectSchema().description("One invalid field or part")
                .addProperty("field", new StringSchema().description("The option, parameter, header or part at fault"))
                .addProperty("message", new StringSchema().description("What is wrong with it and what is accepted"))
                .required(List.of("field", "message"));
        // the slugs are listed, not an enum: a client generated today must still read a problem type added later
        String slugs = String.join(", ", Arrays.stream(ProblemType.values()).map(ProblemType::slug).toList());
        return new ObjectSchema().description("An RFC 9457 problem: every error of the API")
                .addProperty("type", new StringSchema().format("uri")
                        .description(ProblemType.BASE + "<slug>, one per kind of problem; the slugs: " + slugs))
                .addProperty("title", new StringSchema().description("The kind's short, fixed summary"))
                .addProperty("status", new IntegerSchema().minimum(BigDecimal.valueOf(400)).maximum(BigDecimal.valueOf(599))
                        .description("The HTTP status, repeated"))
                .addProperty("detail", new StringSchema().description("What was wrong with this request and how to fix it"))
                .addProperty("instance", new StringSchema().description("The request's path"))
                .addProperty("errors", new ArraySchema().items(fieldError).description("validation problems: each invalid field"))
                .required(List.of("type", "title", "status", "detail", "instance"));
    }

    /** API.md's options: the engine's ({@link TransferOptions}) and the job's own. */
    private Schema<?> styleTransferOptions() {
        Map<String, OptionRange> ranges = TransferOptions.ranges(transfer);
        ObjectSchema options = new ObjectSchema();
        options.description("The options of a style transfer (API.md); any may be left out for its default. Unknown options are "
                + "refused (400 validation). Ranges are this deployment's limits (pastiche.transfer.*).");
        options.additionalProperties(false);
        for (RecordComponent component : TransferOptions.class.getRecordComponents()) {
            Schema<?> schema = schemaOf(component.getGenericType());
            OptionRange range = ranges.get(component.getName());
            if (range != null) {
                bound(schema instanceof ArraySchema array ? array.getItems() : schema, range);
            }
            options.addProperty(component.getName(), schema);
        }
        options.addProperty("outputFormat", new StringSchema()._enum(JobOptions.FORMATS)._default(JobOptions.FORMATS.get(0)));
        options.addProperty("webhook", new ObjectSchema().description("Where to announce the end of the job (Standard Webhooks); "
                        + "refused when no pastiche.webhooks.secret is configured")
                .addProperty("url", new StringSchema().format("uri"))
                .addProperty("events", new ArraySchema().items(new StringSchema()._enum(new ArrayList<>(new TreeSet<>(Webhook.EVENTS))))
                        .description("empty or absent: every event"))
                .required(List.of("url")));
        return options;
    }

    /** A classifier's training options ({@link ClassifierOptions}), with the ranges its resolve() checks. */
    private Schema<?> classifierOptions() {
        ObjectSchema options = new ObjectSchema();
        options.description("How a classifier is trained; any may be left out for its default. Unknown options are refused "
                + "(400 validation).");
        options.additionalProperties(false);
        for (RecordComponent component : ClassifierOptions.class.getRecordComponents()) {
            Schema<?> schema = schemaOf(component.getGenericType());
            ClassifierOptions.Range range = ClassifierOptions.RANGES.get(component.getName());
            if (range != null) {
                boolean whole = schema instanceof IntegerSchema;
                schema.setMinimum(whole ? BigDecimal.valueOf((long) range.min()) : BigDecimal.valueOf(range.min()));
                if (range.minExclusive()) {
                    schema.setExclusiveMinimum(true);
                }
                schema.setMaximum(whole ? BigDecimal.valueOf((long) range.max()) : BigDecimal.valueOf(range.max()));
            }
            options.addProperty(component.getName(), schema);
        }
        return options;
    }

    private Schema<?> schemaOf(Type type) {
        if (type instanceof ParameterizedType list && List.class.equals(list.getRawType())) {
            return new ArraySchema().items(schemaOf(list.getActualTypeArguments()[0]));
        }
        if (type == Integer.class) {
            return new IntegerSchema();
        }
        if (type == Long.class) {
            return new IntegerSchema().format("int64");
        }
        if (type == Double.class) {
            return new NumberSchema().format("double");
        }
        if (type == Boolean.class) {
            return new BooleanSchema();
        }
        if (type instanceof Class<?> enumType && enumType.isEnum()) {
            // as the API's JSON spells them (lowercase, or their @JsonProperty)
            List<String> values = Arrays.stream(enumType.getEnumConstants()).map(c -> json.writeValueAsString(c).replace("\"", "")).toList();
            return new StringSchema()._enum(values);
        }
        if (type == String.class) {
            return new StringSchema();
        }
        throw new IllegalStateException("no schema for option type " + type + ": add it here");
    }

    private static void bound(Schema<?> schema, OptionRange range) {
        if (range.min() != null) {
            schema.setMinimum(new BigDecimal(range.min().toString()));
            if (range.minExclusive()) {
                schema.setExclusiveMinimum(true);
            }
        }
        if (range.max() != null) {
            schema.setMaximum(new BigDecimal(range.max().toString()));
            if (range.maxExclusive()) {
                schema.setExclusiveMaximum(true);
            }
        }
    }
}
