package dev.pastiche.web;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * A token bucket per API key (bucket4j) on {@code /v1/**}: over it, 429 {@code rate-limited} with
 * {@code Retry-After}, answered before the body is read. Buckets are per process and keyed by the
 * key's digest, so there are never more of them than configured keys; an open API (no keys) has no
 * caller to count and is not limited here.
 */
@Component
@Order(FilterOrder.RATE_LIMIT)
class RateLimitFilter extends OncePerRequestFilter {

    static final String REMAINING = "RateLimit-Remaining";

    private final SecurityProperties.RateLimit limit;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    RateLimitFilter(SecurityProperties properties) {
        this.limit = properties.rateLimit();
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !limit.enabled() || !request.getRequestURI().startsWith("/v1/");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Object owner = request.getAttribute(ApiKeyFilter.OWNER);
        if (owner == null || ApiKeyFilter.OPEN.equals(owner)) {
            chain.doFilter(request, response);
            return;
        }
        ConsumptionProbe probe = buckets.computeIfAbsent((String) owner, k -> newBucket()).tryConsumeAndReturnRemaining(1);
        response.setHeader(REMAINING, Long.toString(probe.getRemainingTokens()));
        if (probe.isConsumed()) {
            chain.doFilter(request, response);
            return;
        }
        // whole seconds, rounded up: a client that waits exactly this long gets its token
        long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(probe.getNanosToWaitForRefill() + TimeUnit.SECONDS.toNanos(1) - 1));
        response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(seconds));
        ProblemResponses.write(request, response, ProblemType.RATE_LIMITED, "this API key has used its " + limit.requestsPerMinute()
                + " requests per minute (bursts of " + limit.capacity() + "); retry after " + seconds + " s");
    }

    private Bucket newBucket() {
        return Bucket.builder().addLimit(Bandwidth.builder().capacity(limit.capacity())
                .refillGreedy(limit.requestsPerMinute(), Duration.ofMinutes(1)).build()).build();
    }
}
