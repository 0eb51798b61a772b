import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.FileDescriptor;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a FileDescriptorSet of the TensorFlow messages that our TF Serving definitions import,
 * read from the descriptors embedded in TF Java's generated classes (TF Java ships no .proto
 * files), with all their dependencies. protoc reads it with --descriptor_set_in.
 *
 * <p>Run as a source-file program: {@code java -cp CLASSPATH DumpDescriptors.java OUT.pb}.
 */
public class DumpDescriptors {
  public static void main(String[] args) throws Exception {
    String[] roots = {
      "org.tensorflow.proto.TensorProtos",
      "org.tensorflow.proto.MetaGraphProtos",
      "org.tensorflow.proto.ExampleProtos",
      "org.tensorflow.proto.ErrorCodes",
      "org.tensorflow.proto.error.ErrorCodesProtos",
      "com.google.protobuf.WrappersProto",
      "com.google.protobuf.AnyProto",
    };
    Map<String, FileDescriptor> files = new LinkedHashMap<>();
    Deque<FileDescriptor> todo = new ArrayDeque<>();
    for (String root : roots) {
      todo.add((FileDescriptor) Class.forName(root).getMethod("getDescriptor").invoke(null));
    }
    while (!todo.isEmpty()) {
      FileDescriptor file = todo.pop();
      if (files.putIfAbsent(file.getName(), file) == null) {
        todo.addAll(file.getDependencies());
      }
    }
    FileDescriptorSet.Builder set = FileDescriptorSet.newBuilder();
    files.values().forEach(f -> set.addFile(f.toProto()));
    Path out = Path.of(args[0]);
    Files.createDirectories(out.toAbsolutePath().getParent());
    try (OutputStream stream = Files.newOutputStream(out)) {
      set.build().writeTo(stream);
    }
    files.keySet().forEach(name -> System.out.println("descriptor: " + name));
  }
}
