package dev.pastiche.web;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.Part;
import java.io.IOException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.MethodParameter;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.multipart.MultipartHttpServletRequest;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Multipart requests name only the parts their endpoint defines (issue 18): a part it does not
 * know, or a second copy of a part it takes once, is a 400 {@code validation} naming the part and
 * the parts allowed, rather than being dropped without a word (a misspelt {@code mask} would
 * otherwise run a job without masks). The parts are read from the handler's own
 * {@code @RequestPart} and {@code @RequestParam} parameters, so every multipart endpoint is strict
 * without declaring anything; a collection parameter may repeat.
 */
@Configuration(proxyBeanMethods = false)
class StrictMultipart implements WebMvcConfigurer, HandlerInterceptor {

    /** The parts one handler takes: name → whether it may repeat. */
    private final Map<HandlerMethod, Map<String, Boolean>> parts = new ConcurrentHashMap<>();

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(this).addPathPatterns("/v1/**");
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler)
            throws IOException, ServletException {
        if (!(request instanceof MultipartHttpServletRequest) || !(handler instanceof HandlerMethod method)) {
            return true;
        }
        Map<String, Boolean> allowed = parts.computeIfAbsent(method, StrictMultipart::partsOf);
        Map<String, Integer> sent = new LinkedHashMap<>();
        for (Part part : request.getParts()) {
            sent.merge(part.getName(), 1, Integer::sum);
        }
        for (Map.Entry<String, Integer> each : sent.entrySet()) {
            String name = each.getKey();
            Boolean repeats = allowed.get(name);
            if (repeats == null) {
                throw refused(name, "is not a part of this request", allowed);
            }
            if (!repeats && each.getValue() > 1) {
                throw refused(name, "is sent " + each.getValue() + " times but is taken once", allowed);
            }
        }
        return true;
    }

    private static ApiProblemException refused(String part, String what, Map<String, Boolean> allowed) {
        String message = "part '" + part + "' " + what + "; the parts allowed are " + describe(allowed);
        return new ApiProblemException(ProblemType.VALIDATION, message, List.of(new ApiProblemException.FieldError(part, message)));
    }

    private static String describe(Map<String, Boolean> allowed) {
        return String.join(", ", new TreeSet<>(allowed.keySet()).stream()
                .map(name -> allowed.get(name) ? name + " (may repeat)" : name).toList());
    }

    private static String either(String name, String value) {
        return name.isEmpty() ? value : name;
    }

    private static Map<String, Boolean> partsOf(HandlerMethod method) {
        Map<String, Boolean> allowed = new LinkedHashMap<>();
        for (MethodParameter parameter : method.getMethodParameters()) {
            RequestPart part = parameter.getParameterAnnotation(RequestPart.class);
            RequestParam param = parameter.getParameterAnnotation(RequestParam.class);
            String name = part != null ? either(part.name(), part.value()) : param != null ? either(param.name(), param.value()) : null;
            if (name == null) {
                continue;
            }
            if (name.isEmpty()) {
                name = parameter.getParameterName();
            }
            Class<?> type = parameter.getParameterType();
            allowed.put(name, Collection.class.isAssignableFrom(type) || type.isArray());
        }
        return Map.copyOf(allowed);
    }
}
