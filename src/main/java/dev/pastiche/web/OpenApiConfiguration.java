package dev.pastiche.web;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

    @Bean
    OpenAPI pasticheOpenApi() {
        return new OpenAPI().info(new Info().title("Pastiche API").version("1")
                .description("Neural style transfer and perceptual-loss scoring over a frozen VGG19. "
                        + "Errors are RFC 9457 problems of type https://pastiche.dev/problems/<slug>."));
    }
}
