package dev.pastiche.web;

import java.util.List;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.UrlBasedCorsConfigurationSource;
import org.springframework.web.filter.CorsFilter;

/**
 * CORS for web frontends on other origins, from the allow-list {@code pastiche.security.cors.allowed-origins};
 * with none listed the filter is off and browsers refuse every cross-origin call. A filter rather than
 * Spring MVC's CORS support, so that preflights (which carry no API key) are answered before the key
 * check, and 401/429 answers still carry the headers a browser needs to read them.
 */
@Configuration(proxyBeanMethods = false)
class CrossOriginConfiguration {

    @Bean
    FilterRegistrationBean<CorsFilter> corsFilter(SecurityProperties properties) {
        SecurityProperties.Cors cors = properties.cors();
        CorsConfiguration config = new CorsConfiguration();
        config.setAllowedOriginPatterns(cors.allowedOrigins().stream().map(String::trim).filter(o -> !o.isEmpty()).toList());
        config.setAllowedMethods(List.of("GET", "POST", "DELETE"));
        config.setAllowedHeaders(List.of(HttpHeaders.AUTHORIZATION, HttpHeaders.CONTENT_TYPE, "Idempotency-Key", "Last-Event-ID"));
        config.setExposedHeaders(List.of(HttpHeaders.LOCATION, HttpHeaders.RETRY_AFTER, HttpHeaders.CONTENT_DISPOSITION,
                WeightsHeaderFilter.HEADER, RateLimitFilter.REMAINING));
        // bearer keys, never cookies: browsers need not send credentials
        config.setAllowCredentials(false);
        config.setMaxAge(cors.maxAge());
        UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource();
        source.registerCorsConfiguration("/v1/**", config);
        FilterRegistrationBean<CorsFilter> registration = new FilterRegistrationBean<>(new CorsFilter(source));
        registration.setOrder(FilterOrder.CORS);
        registration.setEnabled(!config.getAllowedOriginPatterns().isEmpty());
        return registration;
    }
}
