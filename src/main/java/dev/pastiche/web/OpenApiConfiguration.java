package dev.pastiche.web;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Contact;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.info.License;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.oas.models.servers.Server;
import io.swagger.v3.oas.models.servers.ServerVariable;
import io.swagger.v3.oas.models.servers.ServerVariables;
import org.springdoc.core.utils.SpringDocUtils;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import tools.jackson.databind.JsonNode;

/**
 * The OpenAPI document's frame: what the API is, who answers for it, and how it is authenticated.
 * What each operation answers is filled in by {@link OpenApiContract}.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

    static final String BEARER = "bearerAuth";

    static {
        // a tree written as it is (a job's result and recipe) is any JSON object, not JsonNode's getters
        SpringDocUtils.getConfig().replaceWithSchema(JsonNode.class, new ObjectSchema());
        SpringDocUtils.getConfig().replaceWithSchema(SseEmitter.class, new StringSchema());
    }

    @Bean
    OpenAPI pasticheOpenApi() {
        return new OpenAPI()
                .info(new Info().title("Pastiche API").version("1")
                        .description("Neural style transfer and perceptual-loss scoring over a frozen VGG19. "
                                + "Errors are RFC 9457 problems (`application/problem+json`) of type "
                                + "`https://pastiche.dev/problems/<slug>`; validation problems list `errors`. "
                                + "On untrained (random) weights every response carries `Pastiche-Weights: random`.")
                        .license(new License().name("Apache-2.0").identifier(null).url("https://www.apache.org/licenses/LICENSE-2.0"))
                        .contact(new Contact().name("Pastiche maintainers").url("https://pastiche.dev")))
                .addServersItem(new Server().url("{origin}").description("Where the service runs")
                        .variables(new ServerVariables().addServerVariable("origin", new ServerVariable()._default("http://localhost:8080")
                                .description("scheme, host and port; a local run (./mvnw spring-boot:run) listens on 8080"))))
                .components(new Components().addSecuritySchemes(BEARER, new SecurityScheme().type(SecurityScheme.Type.HTTP)
                        .scheme("bearer").description("An API key of pastiche.security.api-keys, as `Authorization: Bearer <key>`. "
                                + "Needed on every /v1 call when keys are configured; with none configured the API is open.")))
                .addSecurityItem(new SecurityRequirement().addList(BEARER));
    }
}
