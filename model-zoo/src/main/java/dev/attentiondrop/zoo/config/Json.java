package dev.attentiondrop.zoo.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The project's JSON mapping: snake_case keys, unknown keys rejected, sorted map keys. */
public final class Json {
  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .build();

  private Json() {}

  public static ObjectMapper mapper() {
    return MAPPER;
  }

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
   */
  public static <T> T read(String json, Class<T> type) {
    try {
      checkKeys(MAPPER.readTree(json), type, type.getSimpleName());
      return MAPPER.readValue(json, type);
    } catch (com.fasterxml.jackson.databind.exc.ValueInstantiationException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new IllegalArgumentException(
          "invalid " + type.getSimpleName() + ": " + cause.getMessage(), cause);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "invalid " + type.getSimpleName() + " JSON: " + e.getOriginalMessage(), e);
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
