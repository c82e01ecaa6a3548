import { describe, expect, it } from "vitest";
import { draftPlace } from "./draftPlaces";

describe("where a kept draft belongs", () => {
  it("leads every form's key back to its screen", () => {
    expect(draftPlace("order:new")).toMatchObject({ screen: "order-new", title: "form.newTitle" });
    expect(draftPlace("order:SH-A1-000007")).toMatchObject({
      screen: "order-edit", param: "SH-A1-000007", values: { number: "SH-A1-000007" },
    });
    expect(draftPlace("task:new")).toMatchObject({ screen: "tasks", param: "" });
    expect(draftPlace("comment:SH-A1-T000003")).toMatchObject({
      screen: "tasks", param: "SH-A1-T000003", title: "today.draftComment",
    });
    expect(draftPlace("stock:entry")).toMatchObject({ screen: "stock", title: "today.draftStock" });
    expect(draftPlace("catalogue")).toMatchObject({ screen: "catalogue", param: "" });
  });
});
