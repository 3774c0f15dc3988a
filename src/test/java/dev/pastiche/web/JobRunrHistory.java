package dev.pastiche.web;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A job's history as JobRunr stored it, read from its table: what the crash tests check a job's attempts by. */
final class JobRunrHistory {

    private JobRunrHistory() {
    }

    /** The job's states in order, each with its name, server and message; empty before JobRunr stored the job. */
    static JsonNode of(Connection db, String id) throws SQLException {
        try (PreparedStatement job = db.prepareStatement("SELECT jobAsJson FROM jobrunr_jobs WHERE id = ?")) {
            job.setString(1, id);
            try (ResultSet rs = job.executeQuery()) {
                return rs.next() ? JsonMapper.shared().readTree(rs.getString(1)).get("jobHistory") : JsonMapper.shared().createArrayNode();
            }
        }
    }

    /** The names of the JobRunr servers that took the job, in order. */
    static List<String> processingServers(Connection db, String id) throws SQLException {
        return of(db, id).valueStream().filter(s -> s.get("state").asString().equals("PROCESSING"))
                .map(s -> s.get("serverName").asString()).toList();
    }
}
