package dev.pastiche.web;

import org.apache.catalina.Container;
import org.apache.catalina.core.StandardHost;
import org.springframework.boot.tomcat.ConfigurableTomcatWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * Requests Tomcat refuses before any filter or handler sees them (an encoded slash, a NUL, a
 * backslash in the path, a malformed request line) get an RFC 9457 problem like every other error,
 * not Tomcat's HTML page: the host's error report valve is replaced by one that writes the problem.
 */
@Configuration(proxyBeanMethods = false)
class ContainerProblems {

    @Bean
    ProblemErrorReports problemErrorReports() {
        return new ProblemErrorReports();
    }

    /** After Boot's own customizer (lowest precedence), which configures the default valve. */
    static final class ProblemErrorReports implements WebServerFactoryCustomizer<ConfigurableTomcatWebServerFactory>, Ordered {

        @Override
        public void customize(ConfigurableTomcatWebServerFactory factory) {
            factory.addContextCustomizers(context -> {
                Container host = context.getParent();
                if (host instanceof StandardHost standard) {
                    // the host adds an instance of this class at start; Boot's own valve, if any, then finds the error reported
                    standard.setErrorReportValveClass(ProblemErrorReportValve.class.getName());
                }
            });
        }

        @Override
        public int getOrder() {
            return Ordered.LOWEST_PRECEDENCE;
        }
    }
}
