import java.awt.image.BufferedImage;
import java.io.File;
import javax.imageio.ImageIO;

/** Writes the load test's images: java MakeImages.java DIR (two 224×224 colour patterns, a 64×64 pair, 16 noise images of 160×160). */
public class MakeImages {
    public static void main(String[] args) throws Exception {
        File dir = new File(args[0]);
        dir.mkdirs();
        write(dir, "a224.png", 224, 1);
        write(dir, "b224.png", 224, 2);
        write(dir, "content64.png", 64, 3);
        write(dir, "style64.png", 64, 4);
        // barely compressible, each different: content-addressed storage keeps every one
        java.util.Random random = new java.util.Random(1);
        for (int i = 0; i < 16; i++) {
            BufferedImage noise = new BufferedImage(160, 160, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 160; y++) {
                for (int x = 0; x < 160; x++) {
                    noise.setRGB(x, y, random.nextInt(1 << 24));
                }
            }
            ImageIO.write(noise, "png", new File(dir, "noise" + i + ".png"));
        }
    }

    static void write(File dir, String name, int size, int phase) throws Exception {
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int r = (x * 255 / (size - 1) + phase * 40) & 0xff;
                int g = (y * 255 / (size - 1) + phase * 90) & 0xff;
                int b = ((x ^ y) * 3 + phase * 17) & 0xff;
                image.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        ImageIO.write(image, "png", new File(dir, name));
    }
}
