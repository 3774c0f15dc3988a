package dev.pastiche.web;

import dev.pastiche.job.JobRecord;
import dev.pastiche.job.StyleTransferService;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Job rows to the JSON of API.md, for responses and event streams alike. */
@Component
class JobViews {

    private final StyleTransferService service;
    private final JsonMapper json;

    JobViews(StyleTransferService service, JsonMapper json) {
        this.service = service;
        this.json = json;
    }

    JobView view(JobRecord job) {
        String self = "/v1/style-transfers/" + job.id();
        return new JobView(job.id(), job.status().label(), job.createdAt(), job.startedAt(), job.finishedAt(),
                service.options(job).toJson(json), tree(job.progress()), tree(job.result()),
                job.errorType() == null ? null : new JobView.Error(job.errorType(), job.errorDetail()), tree(job.recipe()),
                service.webhook(job), new JobView.Links(self, self + "/events", self + "/preview", self + "/result", self + "/cancel"));
    }

    private JsonNode tree(String value) {
        return value == null ? null : json.readTree(value);
    }
}
