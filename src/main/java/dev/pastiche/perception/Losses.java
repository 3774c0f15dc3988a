package dev.pastiche.perception;

/** The terms of API.md's style-transfer loss, unweighted, and the weighted total. */
public record Losses(double total, double content, double style, double tv) {
}
