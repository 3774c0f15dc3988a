package dev.pastiche.web;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A multipart part that carries JSON ({@code application/json}), documented by the named schema
 * of the OpenAPI document's components.
 */
@Target(ElementType.PARAMETER)
@Retention(RetentionPolicy.RUNTIME)
@interface JsonPart {

    /** The component schema's name. */
    String value();
}
