/** Marks synthetic patients wherever a patient name is shown. */
export function DemoTag() {
  return (
    <span className="tag tag-demo" title="Synthetic demo patient">
      Demo
    </span>
  );
}
