package dev.pastiche.web;

import org.springframework.core.Ordered;

/**
 * The order of our servlet filters on {@code /v1/**}: CORS first, so preflights (which carry no
 * key) are answered and error responses still carry CORS headers a browser can read; then the key,
 * which names the caller; then the rate limit, which counts by that name.
 */
final class FilterOrder {

    static final int CORS = Ordered.HIGHEST_PRECEDENCE + 20;
    static final int API_KEY = CORS + 10;
    static final int RATE_LIMIT = API_KEY + 10;

    private FilterOrder() {
    }
}
