"""Views of fresh components outside any page: enough to call a handler directly and read its answer by name."""
import gradio as gr

from finetune.ui import data_tab, model_tab, report, runs_panel, spaces_panel, train_tab


def report_view() -> report.ReportView:
    return report.ReportView(gr.Group(), gr.Markdown(), gr.Button(), gr.Markdown(), gr.Dataframe(), gr.Plot(),
                             gr.Accordion(), gr.Dataframe(), gr.Markdown(), gr.DownloadButton())


def train_view() -> train_tab.TrainView:
    return train_tab.TrainView(run=gr.State(), timer=gr.Timer(active=False), status=gr.Markdown(), progress=gr.HTML(),
                               plot=gr.Plot(), health=gr.Markdown(), tail=gr.Textbox(), report=report_view(),
                               playground_run=gr.Dropdown())


def model_inputs() -> tuple:
    """Stand-ins for model_tab.render()'s task, model and knobs."""
    return tuple(gr.Textbox() for _ in range(2 + len(model_tab.TUNED)))


def runs_view() -> runs_panel.RunsView:
    return runs_panel.RunsView(gr.Dataframe(), gr.Dropdown(), gr.Dropdown(), gr.Markdown(), model_inputs(), gr.Row(),
                               gr.State())


def demo_view() -> spaces_panel.DemoView:
    return spaces_panel.DemoView(data_tab.DataOutputs(*(gr.Textbox() for _ in data_tab.OUTPUT_NAMES)), gr.Dropdown())


def by_elem_id(block, elem_id: str):
    """A component of a built app, found by its elem_id (tests only: the app passes components by name)."""
    if getattr(block, "elem_id", None) == elem_id:
        return block
    for child in getattr(block, "children", []):
        found = by_elem_id(child, elem_id)
        if found is not None:
            return found
    return None
