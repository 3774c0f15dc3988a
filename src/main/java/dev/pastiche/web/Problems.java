package dev.pastiche.web;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The problems an operation can answer beyond those {@link OpenApiContract} infers for every
 * operation of its shape (authentication, rate limit, bad parameters, unknown ids, uploads).
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@interface Problems {

    ProblemType[] value();
}
