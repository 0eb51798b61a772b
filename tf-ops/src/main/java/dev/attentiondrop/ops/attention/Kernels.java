package dev.attentiondrop.ops.attention;

import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeleteBuffer;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeleteStatus;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_GetCode;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_GetRegisteredKernelsForOp;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_NewStatus;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_OK;

import com.google.protobuf.InvalidProtocolBufferException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.tensorflow.TensorFlow;
import org.tensorflow.internal.c_api.TF_Buffer;
import org.tensorflow.internal.c_api.TF_Status;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.KernelDef;
import org.tensorflow.proto.KernelList;

/** Which kernels the loaded TensorFlow registers, read once per op from its kernel registry. */
final class Kernels {
  private Kernels() {}

  private static final Map<String, KernelList> CACHE = new ConcurrentHashMap<>();

  /**
   * Whether {@code op} has a kernel for {@code device} ({@code "CPU"}, {@code "GPU"}) accepting
   * {@code type} for every type constraint that names it.
   */
  static boolean registered(String op, String device, DataType type) {
    for (KernelDef k : CACHE.computeIfAbsent(op, Kernels::load).getKernelList()) {
      if (k.getDeviceType().equals(device) && accepts(k, type)) {
        return true;
      }
    }
    return false;
  }

  private static boolean accepts(KernelDef kernel, DataType type) {
    for (KernelDef.AttrConstraint c : kernel.getConstraintList()) {
      var allowed = c.getAllowedValues().getList();
      if (allowed.getTypeCount() > 0 && !allowed.getTypeList().contains(type)) {
        return false;
      }
    }
    return true;
  }

  private static KernelList load(String op) {
    TensorFlow.version(); // loads the native library
    TF_Status status = TF_NewStatus();
    try {
      TF_Buffer buffer = TF_GetRegisteredKernelsForOp(op, status);
      if (TF_GetCode(status) != TF_OK) {
        return KernelList.getDefaultInstance();
      }
      try {
        return KernelList.parseFrom(buffer.dataAsByteBuffer());
      } catch (InvalidProtocolBufferException e) {
        return KernelList.getDefaultInstance();
      } finally {
        TF_DeleteBuffer(buffer);
      }
    } finally {
      TF_DeleteStatus(status);
    }
  }
}
