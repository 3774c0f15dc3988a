package dev.pastiche.job;

import java.util.UUID;

/** No such job for this caller (another key's jobs are reported the same way). */
public class JobNotFoundException extends RuntimeException {

    public JobNotFoundException(UUID id) {
        super("there is no style-transfer job " + id);
    }
}
