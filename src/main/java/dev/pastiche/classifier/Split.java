package dev.pastiche.classifier;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * A stratified, seeded hold-out: of each class's n images, round(n × fraction) are held out, but
 * never all of them, so every class is trained on.
 *
 * @param training indices of the images trained on, ascending
 * @param heldOut indices of the images only measured, ascending
 */
record Split(int[] training, int[] heldOut) {

    static Split of(int[] labels, int classes, double fraction, long seed) {
        Random random = new Random(seed);
        List<Integer> training = new ArrayList<>();
        List<Integer> heldOut = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            List<Integer> members = new ArrayList<>();
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] == c) {
                    members.add(i);
                }
            }
            Collections.shuffle(members, random);
            int held = (int) Math.min(Math.round(members.size() * fraction), members.size() - 1L);
            heldOut.addAll(members.subList(0, held));
            training.addAll(members.subList(held, members.size()));
        }
        return new Split(training.stream().mapToInt(Integer::intValue).sorted().toArray(),
                heldOut.stream().mapToInt(Integer::intValue).sorted().toArray());
    }
}
