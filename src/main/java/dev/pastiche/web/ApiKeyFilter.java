package dev.pastiche.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Bearer API keys on {@code /v1/**}. Keys are compared as SHA-256 digests with
 * {@link MessageDigest#isEqual}, in constant time whatever their length, and every configured key
 * is tried, so timing tells nothing about which or how much of a key matched. The request's owner
 * (the digest of its key, never the key) decides which jobs it sees.
 */
@Component
@Order(FilterOrder.API_KEY)
class ApiKeyFilter extends OncePerRequestFilter {

    /** Request attribute: the owner of the jobs this request may see. */
    static final String OWNER = "pastiche.owner";
    /** The owner of every job while no keys are configured. */
    static final String OPEN = "";

    private static final Logger log = LoggerFactory.getLogger(ApiKeyFilter.class);
    private static final String BEARER = "Bearer ";

    private final List<byte[]> keyDigests;

    ApiKeyFilter(SecurityProperties properties) {
        this.keyDigests = properties.apiKeys().stream().map(String::trim).filter(k -> !k.isEmpty()).map(ApiKeyFilter::digest).toList();
        if (keyDigests.isEmpty()) {
            log.warn("No API keys are configured (pastiche.security.api-keys): the API is open to anyone who can reach it");
        }
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !request.getRequestURI().startsWith("/v1/");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (keyDigests.isEmpty()) {
            request.setAttribute(OWNER, OPEN);
            chain.doFilter(request, response);
            return;
        }
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        byte[] presented = header != null && header.regionMatches(true, 0, BEARER, 0, BEARER.length())
                ? digest(header.substring(BEARER.length()).trim()) : null;
        boolean known = false;
        for (byte[] key : keyDigests) {
            known |= presented != null && MessageDigest.isEqual(key, presented);
        }
        if (!known) {
            unauthorized(request, response, header == null);
            return;
        }
        request.setAttribute(OWNER, HexFormat.of().formatHex(presented));
        chain.doFilter(request, response);
    }

    private static void unauthorized(HttpServletRequest request, HttpServletResponse response, boolean missing) throws IOException {
        String detail = missing ? "this API needs an API key: send Authorization: Bearer <key>"
                : "the API key is not valid; send Authorization: Bearer <key> with a configured key";
        response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        ProblemResponses.write(request, response, ProblemType.UNAUTHORIZED, detail);
    }

    private static byte[] digest(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
