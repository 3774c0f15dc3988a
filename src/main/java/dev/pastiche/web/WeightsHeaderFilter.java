package dev.pastiche.web;

import dev.pastiche.perception.PerceptionModel;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/** Marks every response computed on untrained weights, so no client can miss it: {@code Pastiche-Weights: random}. */
@Component
class WeightsHeaderFilter extends OncePerRequestFilter {

    static final String HEADER = "Pastiche-Weights";

    private final PerceptionModel model;

    WeightsHeaderFilter(PerceptionModel model) {
        this.model = model;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String untrained = model.untrainedSource();
        if (untrained != null) {
            response.setHeader(HEADER, untrained);
        }
        chain.doFilter(request, response);
    }
}
