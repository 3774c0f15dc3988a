package dev.pastiche;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class PasticheApplication {

    public static void main(String[] args) {
        SpringApplication.run(PasticheApplication.class, args);
    }
}
