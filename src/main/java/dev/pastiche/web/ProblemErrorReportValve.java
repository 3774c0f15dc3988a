package dev.pastiche.web;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.http.MediaType;

/** Tomcat's error report, as an RFC 9457 problem that says nothing of the server. */
public class ProblemErrorReportValve extends ErrorReportValve {

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        ProblemType type = status == 404 ? ProblemType.NOT_FOUND
                : status == 413 ? ProblemType.PAYLOAD_TOO_LARGE : status >= 500 ? ProblemType.INTERNAL : ProblemType.VALIDATION;
        String detail = status == 400 ? "the server could not read the request: its path or a header holds something it refuses "
                + "(an encoded slash, a NUL, a backslash, a malformed request line) or the request line and headers are larger than "
                + "it reads (8 KB unless server.max-http-request-header-size says otherwise); send a plain URL of API.md"
                : "the request could not be handled (" + status + ")";
        try {
            response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
            response.setCharacterEncoding(StandardCharsets.UTF_8.name());
            Writer writer = response.getReporter();
            if (writer != null) {
                // the status stays the container's; the type says what kind of problem it is. No instance when
                // the request line itself could not be read (one over the size limit, say)
                String uri = request.getRequestURI();
                writer.write("{\"type\":\"" + type.uri() + "\",\"title\":\"" + type.title() + "\",\"status\":" + status
                        + ",\"detail\":\"" + detail + "\"" + (uri == null || uri.isEmpty() ? "" : ",\"instance\":\"" + ProblemResponses.jsonEscape(uri) + "\"")
                        + "}");
                response.finishResponse();
            }
        } catch (IOException | IllegalStateException e) {
            // the client went away: nothing left to tell it
        }
    }
}
