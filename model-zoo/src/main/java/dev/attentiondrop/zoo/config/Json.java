package dev.attentiondrop.zoo.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The project's JSON mapping: snake_case keys, unknown keys rejected, sorted map keys. Enums of the
 * configs are written as their lowercase names ({@link #enumName}, {@link #enumValue}); configs are
 * read through their builders, so a key left out takes the builder's default.
 */
public final class Json {
  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .build();

  private Json() {}

  /**
   * The shared mapper, for trees and for types without keys to check.
   *
   * @return the project's configured mapper
   */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /**
   * The lowercase JSON name of an enum constant, {@code VIT -> "vit"}.
   *
   * @param value the constant
   * @return its name in lowercase
   */
  public static String enumName(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }

  /**
   * The constant of {@code type} whose lowercase name is {@code name}.
   *
   * @param <E> the enum
   * @param parameter the key or option being parsed, for the message
   * @param type the enum class
   * @param name the lowercase name
   * @return the constant
   * @throws IllegalArgumentException for null or an unknown name, listing the allowed names
   */
  public static <E extends Enum<E>> E enumValue(String parameter, Class<E> type, String name) {
    for (E e : type.getEnumConstants()) {
      if (enumName(e).equals(name)) {
        return e;
      }
    }
    throw new IllegalArgumentException(
        parameter
            + " must be one of "
            + Arrays.stream(type.getEnumConstants()).map(Json::enumName).toList()
            + ", got "
            + (name == null ? "null" : "'" + name + "'"));
  }

  /**
   * Writes {@code value} as indented JSON.
   *
   * @param value a record or any value the mapper writes
   * @return the JSON text
   * @throws IllegalStateException if the value cannot be written
   */
  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Parses JSON; bad JSON, an unknown key or an invalid value gets an IllegalArgumentException
   * saying why. Keys of records are checked before the record is built, so a misspelt key is
   * reported as such rather than as the missing value it leaves behind.
   *
   * @param <T> the type read
   * @param json the JSON text
   * @param type the class to read
   * @return the value
   * @throws IllegalArgumentException for malformed JSON, an unknown key (named, with the allowed
   *     keys) or a value the type rejects (with the type's own message)
   */
  public static <T> T read(String json, Class<T> type) {
    try {
      checkKeys(MAPPER.readTree(json), type, type.getSimpleName());
      return MAPPER.readValue(json, type);
    } catch (JsonProcessingException e) {
      for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
        if (c instanceof IllegalArgumentException) {
          throw new IllegalArgumentException(
              "invalid " + type.getSimpleName() + ": " + c.getMessage(), c);
        }
      }
      throw new IllegalArgumentException(
          "invalid " + type.getSimpleName() + " JSON: " + e.getOriginalMessage(), e);
    }
  }

  /**
   * Reads {@code file} as a {@code type}, as {@link #read(String, Class)}; every error names the
   * file.
   *
   * @param <T> the type
   * @param file a UTF-8 JSON file
   * @param type the class to read
   * @return the value
   * @throws JsonFileException naming the file: not UTF-8, not valid JSON, an unknown key, a bad
   *     value
   * @throws IllegalArgumentException if {@code file} is a folder
   * @throws IOException if the file cannot be read
   */
  public static <T> T read(Path file, Class<T> type) throws IOException {
    if (Files.isDirectory(file)) {
      throw new IllegalArgumentException(file + ": a folder, not a JSON file");
    }
    String text;
    try {
      text = Files.readString(file);
    } catch (CharacterCodingException e) {
      throw new JsonFileException(file.toString(), "not UTF-8 text", e);
    }
    try {
      return read(text, type);
    } catch (IllegalArgumentException e) {
      throw new JsonFileException(file.toString(), e.getMessage(), e);
    }
  }

  private static void checkKeys(JsonNode node, Type type, String where) {
    Class<?> raw =
        type instanceof ParameterizedType p
            ? (Class<?>) p.getRawType()
            : type instanceof Class<?> c ? c : null;
    if (raw == null || node == null) {
      return;
    }
    if (List.class.isAssignableFrom(raw) && node.isArray() && type instanceof ParameterizedType p) {
      for (int i = 0; i < node.size(); i++) {
        checkKeys(node.get(i), p.getActualTypeArguments()[0], where + "[" + i + "]");
      }
      return;
    }
    if (!raw.isRecord() || !node.isObject()) {
      return;
    }
    Map<String, Type> components = new LinkedHashMap<>();
    for (RecordComponent c : raw.getRecordComponents()) {
      components.put(
          PropertyNamingStrategies.SnakeCaseStrategy.INSTANCE.translate(c.getName()),
          c.getGenericType());
    }
    for (var it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!components.containsKey(key)) {
        throw new IllegalArgumentException(
            "unknown key '"
                + key
                + "' in "
                + where
                + "; allowed: "
                + String.join(", ", components.keySet()));
      }
      checkKeys(node.get(key), components.get(key), where + "." + key);
    }
  }
}
